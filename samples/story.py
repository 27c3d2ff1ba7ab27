"""Hand-written texts of the demo workspace: people, channels, the announcement chains with their
planted fact losses, and the phrase banks the everyday messages are drawn from. All fictional."""

# fmt: off
TEAMS = {
    "Leadership": ["Helen Carter", "Julie Martin", "Marc Dubois", "Nadia Haddad", "Thomas Reed", "David Okafor"],
    "Platform": ["Karim Benali", "Priya Nair", "Lukas Weber", "Ana Souza", "Tom Becker", "Mei Chen", "Omar Farouk",
                 "Grace Kim", "Jonas Berg", "Elif Yilmaz"],
    "Mobile": ["Sofia Rossi", "Emma Laurent", "Daniel Park", "Aisha Bello", "Ryan Walsh", "Hana Sato", "Victor Costa",
               "Lena Fischer", "Mateo Garcia", "Zoe Adams"],
    "Sales": ["Olivia Bennett", "Ethan Brooks", "Chloe Martin", "Noah Silva", "Fatima Zahra", "Liam O'Connor",
              "Sara Lind", "Ben Carter", "Maya Patel"],
    "Lyon Ops": ["Claire Petit", "Julien Moreau", "Camille Bernard", "Hugo Lefèvre", "Léa Girard", "Nicolas Roux",
                 "Manon Fontaine", "Antoine Mercier", "Inès Chevalier"],
    "Legal": ["Ingrid Olsen", "Paul Weiss", "Rosa Alvarez"],
}

# channel -> (team or None for company-wide, language, extra members beyond the team)
CHANNELS = {
    "announcements": (None, "en", "all"),
    "general": (None, "en", "all"),
    "random": (None, "en", "all"),
    "platform": ("Platform", "en", ["Sofia Rossi", "Julie Martin", "Helen Carter"]),
    "mobile": ("Mobile", "en", ["Karim Benali", "Julie Martin"]),
    "mobile-dev": ("Mobile", "en", []),
    "sales": ("Sales", "en", ["Marc Dubois", "Julien Moreau"]),
    "lyon-ops": ("Lyon Ops", "fr", ["Omar Farouk", "Nadia Haddad"]),
    "legal": ("Legal", "en", ["Helen Carter"]),
    "deploys": ("Platform", "en", ["Sofia Rossi", "Daniel Park"]),
}

# Each chain: a root announcement and its copies. `facts` are the root's critical facts;
# each copy lists the facts it lost or distorted (everything else is kept).
# `origin` of a copy: human | ai_polished | ai_summary. `via`: how the copy was made.
CHAINS = [
    {
        "id": "feature-x-removed",
        "story": "DESIGN.md section 1: a removal survives three hops as 'scope refined'.",
        "root": {"channel": "announcements", "author": "Julie Martin", "at": "2026-03-02 09:12", "origin": "human",
                 "text": "Decision from the release review: Offline Sync (feature X) is removed from the spring "
                         "release. Stop all work on it by 12 March. Owner: Julie Martin. Questions to me directly."},
        "facts": [
            {"id": "removal", "type": "status", "value": "Offline Sync removed from the spring release", "critical": True},
            {"id": "deadline", "type": "deadline", "value": "2026-03-12", "critical": True},
            {"id": "owner", "type": "owner", "value": "Julie Martin", "critical": True},
        ],
        "copies": [
            {"key": "fx1", "parent": "root", "relation": "paraphrase", "origin": "ai_polished", "channel": "platform",
             "author": "Karim Benali", "at": "2026-03-02 11:40", "lost": [], "distorted": [],
             "text": "Hi team! 👋 I hope everyone had a great weekend. I wanted to take a moment to share an important "
                     "update coming out of this morning's release review, as it directly impacts our roadmap and how "
                     "we prioritise our efforts over the coming weeks.\n\n*Key Decision:* Offline Sync (feature X) has "
                     "been removed from the spring release. This is a strategic decision that allows us to focus our "
                     "energy on delivering a robust, high-quality release.\n\n*What this means for you:*\n"
                     "• Please wrap up and stop all work on Offline Sync by 12 March.\n• Julie Martin is the owner of "
                     "this decision and the best point of contact for any questions.\n• We will revisit the feature in "
                     "a future planning cycle.\n\nI know many of us have invested a lot in this work, and I truly "
                     "appreciate everyone's dedication and flexibility. Change is never easy, but this will help us "
                     "deliver a more seamless experience to our customers. Let me know if you have any questions or "
                     "concerns — my door is always open! 🚀"},
            {"key": "fx2", "parent": "fx1", "relation": "summary", "origin": "ai_summary", "channel": "mobile",
             "author": "Sofia Rossi", "at": "2026-03-03 08:55", "lost": ["deadline", "owner"], "distorted": [],
             "text": "Quick summary of the release review update shared in #platform: Offline Sync has been removed "
                     "from the spring release as part of a strategic focus on delivering a robust, high-quality "
                     "release. The feature will be revisited in a future planning cycle. Thanks everyone for your "
                     "flexibility and dedication as we navigate these changes!"},
            {"key": "fx3", "parent": "fx2", "relation": "summary", "origin": "ai_summary", "channel": "mobile-dev",
             "author": "Daniel Park", "at": "2026-03-04 10:05", "lost": ["removal", "deadline", "owner"],
             "distorted": [],
             "text": "Heads up team: the spring release scope has been refined following the release review. "
                     "Let's keep focusing on quality and polish, and continue delivering great work for our users! 💪"},
        ],
    },
    {
        "id": "travel-budget-cut",
        "story": "An e-mail announcement, forwarded, then summarised in Slack and again in French: the numbers go first.",
        "root": {"mail": True, "author": "Olivia Bennett", "to": "Sales", "at": "2026-02-16 08:30", "origin": "human",
                 "subject": "Q2 travel budget",
                 "text": "Hi all,\n\nThe Q2 travel budget is cut by 30% to EUR 42,000 for the whole sales team. From "
                         "1 April every trip needs approval from Marc Dubois before booking. The Berlin trade fair "
                         "trip is cancelled.\n\nOlivia"},
        "facts": [
            {"id": "cut", "type": "percentage", "value": "30%", "critical": True},
            {"id": "amount", "type": "money", "value": "EUR 42,000", "critical": True},
            {"id": "approver", "type": "owner", "value": "Marc Dubois", "critical": True},
            {"id": "from", "type": "date", "value": "2026-04-01", "critical": True},
            {"id": "berlin", "type": "status", "value": "Berlin trade fair trip cancelled", "critical": True},
        ],
        "copies": [
            {"key": "tb1", "parent": "root", "relation": "forward", "origin": "human", "mail": True,
             "author": "Ethan Brooks", "to": "Lyon Ops", "at": "2026-02-16 10:02", "lost": [], "distorted": [],
             "subject": "Fwd: Q2 travel budget",
             "text": "FYI, this applies to your trips with us too.\n\nEthan"},
            {"key": "tb2", "parent": "root", "relation": "summary", "origin": "ai_summary", "channel": "sales",
             "author": "Chloe Martin", "at": "2026-02-17 09:20", "lost": ["cut", "amount", "approver", "from", "berlin"],
             "distorted": [],
             "text": "Summary of Olivia's email on Q2 travel: the travel budget is being adjusted to ensure we "
                     "optimise our spending while continuing to support key customer engagements. Please plan your "
                     "trips thoughtfully and make sure to get the appropriate approvals. Thanks for your understanding!"},
            {"key": "tb3", "parent": "tb2", "relation": "summary", "origin": "ai_summary", "channel": "lyon-ops",
             "author": "Julien Moreau", "at": "2026-02-18 14:10", "lost": ["cut", "amount", "approver", "from", "berlin"],
             "distorted": [],
             "text": "Pour info, résumé du message de l'équipe commerciale : le budget déplacements du T2 est ajusté "
                     "afin d'optimiser les dépenses. Merci de bien planifier vos déplacements et d'obtenir les "
                     "validations nécessaires."},
        ],
    },
    {
        "id": "maintenance-reportee",
        "story": "A French announcement translated and polished in English, then summarised with the wrong date.",
        "root": {"channel": "lyon-ops", "author": "Claire Petit", "at": "2026-03-09 08:45", "origin": "human",
                 "text": "Maintenance du serveur de production reportée au jeudi 19 mars à 22h (au lieu du 12 mars). "
                         "Responsable : Claire Petit. Le déploiement prévu le 12 mars est annulé : aucune mise en "
                         "production avant le 20 mars."},
        "facts": [
            {"id": "date", "type": "date", "value": "2026-03-19", "critical": True},
            {"id": "time", "type": "time", "value": "22:00", "critical": False},
            {"id": "owner", "type": "owner", "value": "Claire Petit", "critical": True},
            {"id": "cancel", "type": "status", "value": "12 March deployment cancelled", "critical": True},
            {"id": "freeze", "type": "deadline", "value": "2026-03-20", "critical": True},
        ],
        "copies": [
            {"key": "mr1", "parent": "root", "relation": "paraphrase", "origin": "ai_polished", "channel": "platform",
             "author": "Omar Farouk", "at": "2026-03-09 10:30", "lost": [], "distorted": [],
             "text": "Important update from our Lyon Ops colleagues 🙏 The production server maintenance has been "
                     "rescheduled to Thursday 19 March at 22:00 (instead of 12 March). Claire Petit is the owner of "
                     "this maintenance. Please note that the deployment planned for 12 March is cancelled, and there "
                     "will be no production release before 20 March. Thank you all for your understanding and "
                     "cooperation as we work together to ensure a smooth and seamless maintenance window!"},
            {"key": "mr2", "parent": "mr1", "relation": "summary", "origin": "ai_summary", "channel": "mobile",
             "author": "Aisha Bello", "at": "2026-03-10 09:15", "lost": ["time", "owner", "cancel", "freeze"],
             "distorted": ["date"],
             "text": "FYI from #platform: the production server maintenance is planned for 12 March, so let's plan "
                     "our deployments around it and keep the release train running smoothly."},
        ],
    },
    {
        "id": "mdm-enrolment",
        "story": "A security deadline shared as a Slack share, then summarised without deadline, owner or consequence.",
        "root": {"channel": "announcements", "author": "Nadia Haddad", "at": "2026-03-05 13:00", "origin": "human",
                 "text": "Security: every laptop must be enrolled in MDM by Friday 20 March. Laptops not enrolled by "
                         "then lose VPN access. Owner: Nadia Haddad (IT). Enrolment takes about 15 minutes."},
        "facts": [
            {"id": "deadline", "type": "deadline", "value": "2026-03-20", "critical": True},
            {"id": "consequence", "type": "status", "value": "unenrolled laptops lose VPN access", "critical": True},
            {"id": "owner", "type": "owner", "value": "Nadia Haddad", "critical": True},
            {"id": "duration", "type": "number", "value": "15 minutes", "critical": False},
        ],
        "copies": [
            {"key": "md1", "parent": "root", "relation": "forward", "origin": "human", "channel": "sales", "share": True,
             "author": "Ben Carter", "at": "2026-03-05 14:22", "lost": [], "distorted": [],
             "text": "FYI all, please do this before the deadline 👇"},
            {"key": "md2", "parent": "md1", "relation": "summary", "origin": "ai_summary", "channel": "sales",
             "author": "Maya Patel", "at": "2026-03-09 09:40", "lost": ["deadline", "consequence", "owner"],
             "distorted": [],
             "text": "Friendly reminder: IT is rolling out a new device management tool this month to help keep our "
                     "devices secure. Please enroll your laptop when you get a chance — it only takes about 15 "
                     "minutes! Let me know if you need any help. 😊"},
        ],
    },
    {
        "id": "all-hands-not-postponed",
        "story": "Before AI adoption, people lose facts too: a human copy flips a negation.",
        "root": {"channel": "announcements", "author": "Thomas Reed", "at": "2026-01-20 16:05", "origin": "human",
                 "text": "Rumours aside: the all-hands on 6 February is NOT postponed. It stays at 15:00 in the Atrium."},
        "facts": [
            {"id": "status", "type": "status", "value": "all-hands not postponed", "critical": True},
            {"id": "date", "type": "date", "value": "2026-02-06", "critical": True},
            {"id": "time", "type": "time", "value": "15:00", "critical": False},
        ],
        "copies": [
            {"key": "ah1", "parent": "root", "relation": "quote", "origin": "human", "channel": "platform",
             "author": "Lukas Weber", "at": "2026-01-20 16:40", "lost": [], "distorted": [],
             "text": "For those who asked: Thomas says the all-hands on 6 Feb is not postponed, still 15:00 in the Atrium."},
            {"key": "ah2", "parent": "ah1", "relation": "paraphrase", "origin": "human", "channel": "sales",
             "author": "Noah Silva", "at": "2026-01-21 09:02", "lost": ["time"], "distorted": ["status"],
             "text": "heard the all-hands on 6 Feb is postponed, details to follow"},
        ],
    },
    {
        "id": "on-call-two-people",
        "story": "A number disappears in a one-hop AI summary.",
        "root": {"channel": "platform", "author": "Priya Nair", "at": "2026-03-12 10:10", "origin": "human",
                 "text": "From 16 March the on-call rotation has 2 people per week instead of 1. Owner: Priya Nair. "
                         "Swap requests go in the on-call sheet by Thursday noon."},
        "facts": [
            {"id": "count", "type": "number", "value": "2 people per week", "critical": True},
            {"id": "start", "type": "date", "value": "2026-03-16", "critical": True},
            {"id": "owner", "type": "owner", "value": "Priya Nair", "critical": True},
        ],
        "copies": [
            {"key": "oc1", "parent": "root", "relation": "summary", "origin": "ai_summary", "channel": "mobile",
             "author": "Ryan Walsh", "at": "2026-03-12 15:30", "lost": ["count"], "distorted": [],
             "text": "Update from Platform: the on-call rotation is being updated starting 16 March to better "
                     "support our services. Reach out to Priya Nair with any questions!"},
        ],
    },
]

# The story's aftermath: Emma's team keeps building the removed feature (DESIGN.md section 1).
AFTERMATH = [
    ("mobile-dev", "Emma Laurent", "2026-03-06 11:20", "Offline sync: conflict resolver for edited notes is in review, PR 412"),
    ("mobile-dev", "Victor Costa", "2026-03-10 15:45", "offline sync queue now survives app restarts, nice work Emma"),
    ("mobile-dev", "Emma Laurent", "2026-03-13 10:05", "Offline sync beta build is on TestFlight, please try airplane mode"),
    ("mobile-dev", "Lena Fischer", "2026-03-16 14:30", "found a merge bug in offline sync when two devices edit the same note, fixing"),
    ("mobile-dev", "Emma Laurent", "2026-03-18 09:12",
     "wait, Offline Sync was removed from the spring release on 2 March?? Just saw Julie's post in #announcements. "
     "We've been building it for two weeks. Why did nobody tell us?"),
    ("mobile-dev", "Daniel Park", "2026-03-18 09:30",
     "I only got the summary that said the scope was refined, sorry. It didn't say anything was removed."),
]

# Phrase banks for everyday human messages. {slots} are filled by the generator.
EVERYDAY_EN = {
    "Platform": [
        "PR {pr} is up for the {comp} retry logic, could someone take a look?",
        "deploy of {svc} {ver} done, watching the dashboards",
        "{comp} tests are flaky again on main, I'm on it",
        "who owns the {svc} alerts? got paged twice last night",
        "standup: finishing the {comp} migration, then reviewing {first}'s PR",
        "staging DB is at {pct}% disk, I'll clean the old snapshots",
        "heads up: {svc} will be read-only for ~10 min at 17:00",
        "can we move the retro to 15:00? I have a dentist appointment",
        "bumped {comp} to {ver}, changelog looks harmless",
        "the {svc} p95 latency went from {n}ms to {m}ms after the cache change 🎉",
        "is anyone else getting 502s from {svc} on staging?",
        "I'll be off tomorrow afternoon, {first} covers my reviews",
        "rolled back {svc} {ver}, the migration locked the orders table",
        "wrote a short runbook for the {comp} failover, link in the wiki",
        "need a second pair of eyes on the terraform plan for {svc}",
    ],
    "Mobile": [
        "iOS build {ver} is in TestFlight",
        "Android crash rate down to {small}% after yesterday's fix",
        "designs for the {screen} screen are in Figma, comments welcome",
        "anyone seen the login loop on Pixel 8? can't reproduce on mine",
        "{first} can you pair on the {screen} animation this afternoon?",
        "App Store review rejected {ver} again, something about the privacy labels",
        "dark mode for {screen} is done, screenshots in the ticket",
        "standup: {screen} screen accessibility fixes, then release notes",
        "who has a spare iPad for testing? mine is at {pct}% battery health lol",
        "the {screen} screen takes {n}ms to render on low-end Android, looking into it",
        "merged the analytics events for {screen}",
        "QA found {small} blockers on the {ver} candidate, details in the board",
    ],
    "Sales": [
        "call with {client} went well, they want a quote for {n} units",
        "can someone send me the latest pricing deck?",
        "{client} renewal signed 🎉",
        "pipeline review moved to Thursday 10:00",
        "I'm at the trade show in {city} until Wednesday, slow replies",
        "{client} asks if we support SSO with Okta, anyone knows?",
        "demo for {client} tomorrow at 14:00, {first} can you join?",
        "lost {client} to a cheaper competitor, notes in the CRM",
        "updated the forecast sheet, we're at {pct}% of target",
        "{client} wants a discount of {small}% for a 3-year deal, thoughts?",
    ],
    "Legal": [
        "contract redlines for {client} are back, mostly liability caps",
        "NDA with {client} signed",
        "reminder: no customer logos in decks without written consent",
        "{client} wants their own DPA template, reviewing it this week",
    ],
    "general": [
        "happy friday everyone!",
        "cake in the kitchen on floor 2 🎂",
        "who's coming to the board games night on Thursday?",
        "the coffee machine on floor 2 is fixed",
        "lost a blue water bottle near the meeting rooms, anyone?",
        "reminder: bike to work week starts Monday",
        "welcome {first} who joins us today!",
        "the printer on floor 1 is jammed again",
    ],
}

EVERYDAY_FR = [
    "Le serveur {srv} redémarre à {h}h, prévenez-moi si ça bloque",
    "Quelqu'un a les accès à la console {srv} ?",
    "Merci {first} pour le coup de main ce matin !",
    "Point d'équipe décalé à 14h",
    "Livraison du matériel prévue mardi matin",
    "J'ai mis à jour la procédure de sauvegarde sur le wiki",
    "Je suis en congé vendredi, {first} me remplace",
    "Ticket {n} résolu, c'était le certificat expiré",
    "Le disque de {srv} est à {pct}%, je fais du ménage",
    "Attention, coupure réseau prévue au 3e étage jeudi entre 12h et 13h",
    "Qui peut relire mon script de migration pour {srv} ?",
    "Alerte CPU sur {srv} cette nuit, rien de grave, un cron trop gourmand",
    "On déjeune ensemble jeudi ? Il y a un nouveau resto rue Mercière",
    "Les badges d'accès au datacenter sont à renouveler avant la fin du mois",
]

REPLIES_EN = ["done", "looking", "+1", "on it", "thanks!", "ok for me", "will check after lunch", "nice 👍",
              "same here", "fixed, can you retry?", "good catch", "I can take it", "agreed", "let's discuss at standup"]
REPLIES_FR = ["d'accord", "merci !", "ça marche", "je regarde", "c'est bon pour moi", "vu", "je m'en occupe",
              "top, merci", "pareil de mon côté"]

# Bloated, AI-polished everyday posts (no chain): sentence banks assembled by the generator.
SLOP_EN = {
    "open": ["Hi team! 👋 I hope this message finds you well.", "Hello everyone, I hope you're all having a productive week!",
             "Hi all! I wanted to take a moment to share a quick update.", "Good morning team! 🌟"],
    "body": [
        "I wanted to take a moment to reflect on the incredible progress we've made on {topic}.",
        "As we continue to navigate the evolving landscape of {topic}, it's important that we stay aligned.",
        "This initiative underscores our commitment to delivering robust, seamless experiences for our customers.",
        "Let's delve into the key highlights and explore how we can leverage these insights going forward.",
        "*Key Highlights:*\n• Strong collaboration across teams\n• Meaningful progress on {topic}\n• Valuable learnings for the next phase",
        "By fostering a culture of continuous improvement, we can unlock even greater value together.",
        "It's worth noting that these efforts play a pivotal role in shaping our long-term success.",
        "I truly appreciate everyone's dedication, flexibility and hard work throughout this journey.",
        "Moving forward, we will continue to monitor progress and adjust our approach as needed.",
        "*Next Steps:*\n• Continue refining {topic}\n• Share feedback in the relevant channels\n• Stay tuned for further updates",
    ],
    "close": ["Let me know if you have any questions or need further clarification! 🚀",
              "Feel free to reach out if you have any thoughts — my door is always open!",
              "Thanks again for all your hard work, and let's keep the momentum going! 💪",
              "Looking forward to continuing this journey together!"],
}
SLOP_FR = {
    "open": ["Bonjour à tous ! 👋 J'espère que vous allez bien.", "Bonjour l'équipe, j'espère que votre semaine se passe bien !"],
    "body": [
        "Je souhaitais prendre un moment pour faire le point sur les avancées remarquables concernant {topic}.",
        "Dans un contexte en constante évolution, il est essentiel de rester alignés et de capitaliser sur nos forces.",
        "Cette initiative souligne notre engagement à offrir une expérience fluide et robuste à nos utilisateurs.",
        "*Points clés :*\n• Une collaboration renforcée entre les équipes\n• Des progrès significatifs sur {topic}\n• De précieux enseignements pour la suite",
        "En favorisant une culture d'amélioration continue, nous pourrons créer encore plus de valeur ensemble.",
        "Je tiens à remercier chacun d'entre vous pour votre engagement et votre flexibilité tout au long de ce parcours.",
    ],
    "close": ["N'hésitez pas à revenir vers moi pour toute question ! 🚀", "Merci encore pour votre implication, continuons sur cette lancée ! 💪"],
}
SLOP_TOPICS = ["the Q1 roadmap", "our onboarding process", "the customer portal", "release quality", "team rituals",
               "our monitoring setup", "the partner programme", "cross-team collaboration"]
SLOP_TOPICS_FR = ["la supervision", "nos procédures d'astreinte", "le plan de sauvegarde", "la migration des serveurs"]

# A few long, plain human messages, so that length alone does not mark AI text.
LONG_HUMAN = [
    ("platform", "Lukas Weber", "Postmortem for last night: the orders service ran out of DB connections at 02:10 because the "
     "new batch job opened a pool per worker. Pager went to Priya, she scaled the pool down and restarted at 02:40. "
     "No data lost, 31 min of failed checkouts (about 140 orders retried fine). Fix: one shared pool, plus an alert at "
     "80% of max connections. I'll write it up properly in the wiki tomorrow, ping me if you saw anything else odd."),
    ("mobile", "Hana Sato", "Notes from the user interviews today: 5 people, all use the app on the train, 3 of them "
     "complained the note list jumps when sync finishes. Nobody found the share button without help. One person "
     "keeps notes in screenshots because search is too slow for her. I put the raw notes in the research folder, "
     "Zoe and I will turn them into tickets on Monday."),
    ("sales", "Liam O'Connor", "Recap of the Nordlys call: they run 40 warehouses, want a pilot in 2 of them from May, "
     "budget is approved but procurement needs our security questionnaire first. Their IT lead hates SSO popups, so "
     "show them the SCIM flow. Next call is Tuesday, I'll send the questionnaire today."),
    ("lyon-ops", "Nicolas Roux", "Compte rendu de l'intervention de cette nuit : la baie 4 a perdu une alimentation à 1h12, "
     "le basculement a fonctionné, aucun service coupé. J'ai commandé l'alimentation de remplacement, livraison "
     "prévue mercredi. En attendant la baie tourne sur une seule alim, donc pas de maintenance dessus d'ici là."),
]

CLIENTS = ["Acme Freight", "Nordlys", "Bluefin Health", "Kestrel Bank", "Orchard Foods", "Vireo Telecom", "Maple Logistics"]
COMPONENTS = ["payments", "auth", "search indexer", "event bus", "billing", "notifications", "scheduler"]
SERVICES = ["orders-api", "gateway", "search", "billing-worker", "auth-service", "webhooks"]
SCREENS = ["onboarding", "settings", "note editor", "search", "sharing", "profile"]
SERVERS = ["lyon-db-01", "lyon-app-03", "srv-backup", "lyon-proxy", "nas-02"]
CITIES = ["Hamburg", "Milan", "Barcelona", "Amsterdam"]
