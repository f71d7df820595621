"""The words topic terms are made of: the token pattern and the stop words.

Topic terms (:mod:`landscape.fit.topics`), coherence, label evidence
(:mod:`landscape.labels.evidence`) and distinctive terms
(:mod:`landscape.stats.terms`) all read text with these rules, so a term found
by one is found by the others.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

#: Words that carry no theme in abstracts: how papers talk, not what about.
RESEARCH_STOP_WORDS = frozenset(
    """
    paper papers propose proposes proposed proposing approach approaches result results
    show shows shown showing method methods present presents presented study studies
    work works novel new based using use used uses existing demonstrate demonstrates
    experiments experimental experiment achieve achieves achieved outperform outperforms
    outperforming significantly significant furthermore moreover however recent recently
    introduce introduces introduced address addresses investigate investigates provide
    provides various different including code available github https http www com
    et al abstract article framework frameworks state art performance effective
    effectively improve improves improved improvement improvements key main able
    also well way ways task tasks problem problems technique techniques
    compared comparison evaluate evaluated evaluation extensive challenging challenge
    exist exists remain remains emerge emerges occur occurs arise arises allow allows
    enable enables require requires yield yields lack lacks
    """.split()  # noqa: SIM905 - a word block is easier to review than a 100-item list
)

#: Words of research prose that name no field on their own: a topic name made
#: only of these ("Usage", "Computational cost", "Real-world scenarios") says
#: nothing of what its papers are about (:mod:`landscape.fit.naming`).
GENERIC_WORDS = frozenset(
    """
    ability abilities accuracy advantage advantages analysis analyses application
    applications aspect aspects assumption assumptions behavior behaviour benefit
    benefits capability capabilities case cases change changes characteristic
    characteristics computational computation cost costs data dataset datasets design
    development difference differences effect effects effectiveness efficiency
    efficient element elements example examples experience explanation factor factors
    feature features finding findings form forms goal goals impact implementation
    importance information insight insights issue issues kind knowledge level levels
    limitation limitations log model models number numbers objective observation
    observations order
    outcome outcomes parameter parameters part parts practice practical practices
    procedure procedures
    process processes product property properties purpose quality quantity question
    questions range rate rates real-world requirement requirements research resource
    resources role scenario scenarios scheme schemes setting settings situation size
    solution solutions source sources step steps strategy strategies structure
    structures success support system systems term terms test tests time times tool
    tools type types understanding usage user users value values variety version year
    years
    """.split()  # noqa: SIM905 - a word block is easier to review than a 100-item list
)

STOP_WORDS = sorted(ENGLISH_STOP_WORDS | RESEARCH_STOP_WORDS)
# Tokens: words of 2+ characters that start with a letter (keeps "gpt-4", "3d" is dropped).
TOKEN_PATTERN = r"(?u)\b[^\W\d_][\w\-]*[^\W_]\b"
