"""French."""

from __future__ import annotations

from .table import LanguageTable

_ASSENTS = ("bien sûr", "certainement", "d'accord", "d’accord")  # "Bien sûr ! Voici ..." (answer_openers, assents)

STOP_WORDS = tuple("""
le la les un une des et ou de du d à au aux en pour par sur est sont ce cet cette ces nous vous ils elles il
elle on je tu me te se mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs qui que quoi dont où
ne pas plus y a ai as avons avez ont été être avoir fait faire dans avec sans sous entre vers chez comme
mais donc car si très aussi bien tout tous toute toutes même autre autres afin ainsi alors après avant
depuis pendant encore déjà c ça cela ceci celui celle ceux j l m n s t qu jusqu lors
""".split())

GENERIC_WORDS = tuple("""
bonjour salut équipe équipes tous toutes chacun chacune semaine espère allez bien passe moment point
faire avancées remarquables initiative souligne souligner engagement offrir expérience fluide robuste
utilisateurs remercier remercie flexibilité parcours contexte constante évolution essentiel rester
alignés capitaliser forces favorisant culture amélioration continue pourrons créer valeur ensemble
points clés clé collaboration renforcée progrès significatifs précieux enseignements suite merci encore
implication continuons lancée hésitez revenir question questions partager mise jour rapide efforts
cours paysage excellence inébranlable tirant parti collectives ouvrir nouvelles perspectives croissance
infiniment contacter moindre souhaitais souhaite prendre tiens vraiment beaucoup important importance
""".split())

ANTONYMS = (
    "hausse baisse", "augmente diminue", "augmentation diminution", "augmenté diminué", "plus moins",
    "avant après", "ajouté supprimé", "inclus exclu", "accepté refusé", "approuvé rejeté", "confirmé démenti",
    "ouvert fermé", "début fin", "premier dernier", "succès échec", "gagné perdu", "facile difficile",
    "obligatoire facultatif", "interne externe", "public privé", "toujours jamais", "tôt tard", "maintenu annulé",
    "maintenue annulée", "confirmée annulée", "prolongé raccourci",
)

NUDGE = {
    "title": "Une note privée sur votre message dans {channel} (vous seul la voyez)",
    "core": "Ce message de {words} mots porte ses faits et son contenu dans {n} de ses {m} phrases :",
    "core_none": "Ce message de {words} mots ne donne ni date, ni responsable, ni décision, ni demande ; son "
                 "contenu tient dans cette phrase :",
    "cost": "Environ {readers} personnes peuvent le lire ici : à peu près *{minutes} minutes de lecture* au "
            "total, dont {padding} sur les autres phrases. Une version réduite à celles-ci leur épargne ce temps.",
    "reasons": "Ce qui ressort : {reasons}.",
    "r_filler": "des formules toutes faites ({phrases})",
    "r_length": "{ratio} fois la longueur habituelle des messages de cette conversation",
    "r_structure": "une mise en forme rare dans une discussion ({items})",
    "s_header": "{n} titre{s} markdown", "s_bold": "{n} intitulé{s} en gras", "s_bullet": "{n} puces",
    "s_emoji": "{n} emoji",
    "why_core": "*Les phrases qui portent le contenu* (une version courte garde celles-ci) :",
    "why_dropped": "*Les {n} autres phrases* ({words} mots sur {total}) ne donnent ni date, ni nombre, ni "
                   "responsable, ni décision, ni lien, ni demande, ni contenu absent des phrases ci-dessus.",
    "why_score": "Score de verbosité {score} sur 0–1 (somme pondérée du remplissage, des formules toutes faites, "
                 "de la mise en forme et de la longueur ; une note part à partir de 0,45).",
    "why_facts": "*Les faits de <{link}|l'annonce> et ce qu'en dit votre message :*",
    "why_source": "l'annonce : « {sentence} »", "why_yours_lost": "votre message : absent",
    "why_yours": "votre message : « {evidence} »",
    "why_match": "Votre message y a été relié par {method} ; si ce n'est pas sa source, ignorez cette note.",
    "m_share": "un partage ou un lien vers elle", "m_forward": "une copie transférée",
    "m_similarity": "des mots et un sens communs (cela peut être faux)",
    "role_link": "lien", "role_ask": "demande", "role_decision": "décision", "role_adds": "apporte : {words}",
    "facts": "Il ressemble à un résumé de <{link}|cette annonce>, mais n'en reprend pas ces faits :",
    "fix": "Vos lecteurs peuvent agir d'après votre version ; les rajouter garde tout le monde sur les mêmes faits.",
    "why": "Pourquoi ?", "not_helpful": "Pas utile", "stop": "Arrêter ces notes",
    "lost": "absent", "distorted": "différent dans votre message",
    "thanks": "Merci, c'est noté : cela nous aide à mieux cibler.",
    "stopped": "C'est fait : plus de notes, et vos messages ne sont plus analysés. `/slopradar opt-in` pour "
               "revenir.",
    "started": "Les notes sont réactivées. `/slopradar opt-out` pour les arrêter.",
    "status_on": "Les notes sont *activées*. Vous en avez reçu {n} aujourd'hui (au plus {cap} par jour).",
    "status_off": "Les notes sont *désactivées* ; vos messages ne sont pas analysés.",
    "help": "*/slopradar* — des notes privées sur les messages longs et les faits perdus dans les résumés, "
            "visibles de vous seul.\n• `/slopradar opt-out` arrêter les notes et l'analyse de vos messages\n"
            "• `/slopradar opt-in` les réactiver\n• `/slopradar status` votre réglage actuel",
    "why_title": "Pourquoi cette note",
    "home_title": "slopradar : vos propres signaux",
    "home_empty": "Aucun de vos messages n'a encore été analysé.",
    "home_state_on": "Notes : *activées*", "home_state_off": "Notes : *désactivées* (vos messages ne sont pas "
                                                          "analysés)",
    "home_row": "{when} · {channel} · {words} mots · verbosité {bloat} · {facts}",
    "facts_lost": "{n} faits absents", "no_facts": "aucun fait absent",
}


_QUALITE = r"(?:concise|claire|courte|simple|professionnelle|décontractée)"  # a rewrite's, in a preamble

TABLE = LanguageTable(
    code="fr",
    name="français",
    reading_wpm=195,
    months=(("janvier", "janvier.", "janv.", "janv"), ("février", "février.", "févr.", "févr", "fevrier"), ("mars",),
            ("avril", "avril.", "avr.", "avr"), ("mai",), ("juin",), ("juillet", "juillet.", "juil.", "juil"),
            ("août", "aout"), ("septembre", "septembre.", "sept.", "sept"), ("octobre", "octobre.", "oct.", "oct"),
            ("novembre", "novembre.", "nov.", "nov"), ("décembre", "décembre.", "déc.", "déc", "decembre")),
    month_names_are_words=False,
    weekdays=(("lundi",), ("mardi",), ("mercredi",), ("jeudi",), ("vendredi",), ("samedi",), ("dimanche",)),
    relative_dates=r"(?:{days})\s+prochain|demain",
    relative_words=("prochain",),
    deadline_cues=r"d'ici|avant(?: le)?|au plus tard|jusqu'au|date limite",
    date_articles=("le",),
    date_prepositions=("le", "du", "dès le", "à partir du", "après le"),
    range_words=("au", "et", "jusqu'au"),
    list_words=("et",),
    percent_words=r"pour\s?cent",
    units=r"personnes?|jours?|heures?|semaines?|mois|ans|serveurs?|utilisateurs?",
    owner_cues=r"responsable|validation (?:par|de)",
    owner_copulas=r"est",
    owner_articles=("le", "la"),
    owner_roles=r"responsable",
    owner_will="",
    not_names=(),
    abbreviations=("SVP", "STP", "RSVP", "PJ", "NB", "PS", "RH", "TTC", "HT", "CET", "CEST", "UTC", "IA", "OK"),
    status_words={
        "removed": r"supprimée?s?|retirée?s?",
        "cancelled": r"annulée?s?|annuler",
        "postponed": r"reportée?s?|reporter|décalée?s?",
        "stopped": r"arrêtée?s?|arrêter|gel(?:ée)?",
        "deprecated": r"obsolète",
        "lose": r"perdent|perd|bloquée?s?",
        "approved": r"validée?s?|confirmée?s?",
    },
    status_negations=("ne", "n'", "pas", "plus", "jamais", "aucun", "aucune", "sans"),
    negation_suffixes=(),
    negation_after=("pas",),
    negations=("ne", "pas", "jamais", "aucun", "aucune", "sans"),
    negation_cues=("ne", "pas", "jamais", "aucun", "aucune", "sans", "annulé", "annulée", "reporté", "reportée",
                   "supprimé", "supprimée"),
    softeners=(r"périmètre (?:a été |est )?(?:ajusté|affiné|revu|précisé)|affinée?s?|ajustée?s?|revue?s?|à l'étude|"
               r"en (?:cours de )?(?:réflexion|discussion|révision|r?éévaluation|évaluation)|réévaluée?s?|"
               r"reconsidérée?s?|en attente|en pause|à confirmer|à définir|dépriorisée?s?"),
    antonyms=ANTONYMS,
    number_words=(),
    stop_words=STOP_WORDS,
    alignment_stop_words=tuple("le la les un une des et ou de du à au aux en pour par sur est sont ce cette nous "
                               "vous".split()),
    consistency_stop_words=tuple("""le la les un une des et ou de du à au aux en pour par sur est sont ce cette ces
nous vous ils elles il elle son sa ses leur leurs qui que quoi dont ne pas plus été être avoir a ont""".split()),
    function_words=("dans", "pour", "avec", "sont", "mais", "plus", "tout"),
    first_person=("je", "j", "me", "moi", "mon", "ma", "mes"),
    second_person=("vous", "votre", "vos", "tu", "ton", "ta", "tes"),
    ask_cues=(r"merci de|veuillez|pouvez-vous|pourriez-vous|peux-tu|pourrais-tu|il faut|n'oubliez pas|pensez à|doit|"
              r"doivent"),
    generic_asks=r"(?:des|toute|la moindre) questions?|hésitez",
    decision_cues=r"décidé|décision\s*:|convenu|arbitrage\s*:",
    clitics=r"^(?:l|d|j|qu|n|s|c|m|t)'",
    generic_words=GENERIC_WORDS,
    relay_cues=(r"pour info|résumé|en bref|je (?:transfère|relaie)|pour rappel|(?:d'après|selon) le message|"
                r"message de"),
    # "une version plus courte et plus décontractée :", "une paraphrase du message :"
    rewrite_preambles=(r"voici (?:une |la |votre )?(?:(?:version|proposition) (?:révisée|reformulée|retravaillée|"
                       rf"simplifiée|plus {_QUALITE})(?:(?:,| et|, et) (?:plus )?{_QUALITE}){{0,2}}|paraphrase|"
                       r"reformulation)(?: (?:du|de votre|de ce) (?:message|mail|e-mail|"
                       r"courriel|texte)(?: [^:.\n]{0,60})?| (?:avec|pour) [^:.\n]{0,60})?\s*:|"
                       r"(?:message|texte|mail|courriel) a été (?:reformulé|réécrit)"),
    greetings=("bonjour", "bonsoir", "salut", "coucou"),
    group_addressees=("l'équipe", "l’équipe", "tous", "toutes", "à tous", "à toutes", "tout le monde"),
    no_addressees=(),
    summary_openings=r"en bref|résumé|r[ée]cap(?:itulatif)?|points cl[ée]s|l['’]essentiel|en résumé",
    acknowledgements=("+1", "merci", "bien noté", "noté", "d'accord", "d’accord", "ok pour moi", "ça marche",
                      "bien reçu", "moi aussi", "pareil", "félicitations", "bravo"),
    thanks=("merci", "félicitations", "bravo"),
    answers=("oui", "non"),
    narrations="",  # not measured in French yet
    reported_questions="",
    answer_openers=(rf"(?:(?:{'|'.join(_ASSENTS)})(?:\s*[!,.])?\s*)?"
                    r"voici\b(?=[^\n:]{0,150}?\b(?:version|"
                    r"reformulation|paraphrase|résumé|synthèse|points (?:clés|principaux)|essentiel|récapitulatif|"
                    r"brouillon|explication|message|mail|courriel)\b(?!\s+(?:de|du|des|sur)\s+(?!(?:ce|votre|du) "
                    r"(?:message|texte|mail|courriel)\b|message\b)))"),
    own_words=("mon", "ma", "mes", "notre", "nos"),
    assents=_ASSENTS,
    # an assistant's notes after its answer ("J'ai apporté les modifications suivantes :" ending its line,
    # "N'hésitez pas à me dire si vous souhaitez d'autres modifications", "Souhaitez-vous que je reformule ?");
    # not "Dites-moi si vous voulez que je réserve la salle", "Souhaitez-vous une version papier du contrat ?"
    assistant_notes=(r"j[’']ai (?:apporté|fait|effectué) (?:les|quelques|ces) (?:\w+ )?(?:modifications|changements|"
                     r"ajustements)(?: suivant(?:e?s)?)?\s*:[ \t*_]*(?=\r?\n|$)|(?:modifications|changements) "
                     r"(?:apportés?|effectués?)\s*:[ \t*_]*(?=\r?\n|$)|\(?remarque\s*:\s*j[’']ai (?:reformulé|simplifié|"
                     r"raccourci)|(?:(?:n[’']hésitez pas à me (?:dire|faire savoir)|dites-moi) si vous (?:souhaitez|voulez|"
                     r"préférez)|souhaitez-vous|voulez-vous) (?:d[’']autres modifications|une version (?:plus|encore)|"
                     r"que je (?:vous )?(?:aide à (?:reformuler|rédiger une réponse)|modifie|reformule|raccourcisse|"
                     r"simplifie|adapte (?:le|ce) (?:message|texte|ton)|(?:vous )?propose (?:aussi|également))\b)"),
    nudge=NUDGE,
    kind_names={"deadline": "échéance", "date": "date", "owner": "responsable", "status": "statut", "money": "montant",
                "percentage": "pourcentage", "number": "nombre", "name": "nom", "time": "heure", "action": "action"},
    status_names={"removed": "retiré", "cancelled": "annulé", "postponed": "reporté", "stopped": "arrêté",
                  "deprecated": "abandonné", "lose": "perte", "approved": "validé"},
    quotes=("« ", " »"),
    colon=" : ",
    list_separator=" ; ",
    decimal_mark=",",
)
