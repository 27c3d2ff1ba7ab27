"""Sentences, language, readability: offline and sane on chat and e-mail text."""

import nltk
import pytest

from analysis.text import detect_language, flesch_reading_ease, reading_seconds, sentences


def test_sentences_split_lines_bullets_and_punctuation():
    text = "Hi team! I hope all is well, e.g. the release.\n\n*Key:* X is removed.\n• Stop by 12 March.\n- Owner: Julie."
    assert sentences(text) == ["Hi team!", "I hope all is well, e.g. the release.", "*Key:* X is removed.",
                               "Stop by 12 March.", "Owner: Julie."]
    assert sentences("") == [] and sentences("🎉🎉") == []


@pytest.mark.parametrize("text,code", [
    ("Pas de souci, je prends l'astreinte du mardi.", "fr"),
    ("The orders service ran out of database connections last night.", "en"),
    ("ok", None),
])
def test_language(text, code):
    assert detect_language(text).code == code


def test_readability_never_downloads(monkeypatch):
    def no_download(*a, **kw):
        raise AssertionError("tried to download nltk data")

    monkeypatch.setattr(nltk, "download", no_download)
    en = flesch_reading_ease("The cat sat on the mat. It was a sunny day and the birds were singing.", "en")
    fr = flesch_reading_ease("Le chat dort sur le tapis. Il fait beau et les oiseaux chantent dans le jardin.", "fr")
    assert en is not None and 60 < en < 120 and fr is not None
    assert flesch_reading_ease("short one", "en") is None
    assert reading_seconds(238, "en") == pytest.approx(60) and reading_seconds(195, "fr") == pytest.approx(60)


def test_hard_wrapped_mail_lines_are_one_sentence_but_chat_lines_and_bullets_stay_apart():
    """Issue 18: a 2001 list mail, wrapped at 70 characters, read as 71 % padding: each line was a sentence."""
    from analysis.text import sentences

    mail = ("Yes, this issue has been raised here before.  It was the main\n"
            "conclusion of the BOF session at the last Python conference, and the\n"
            "reason we started working on a new version.")
    assert sentences(mail) == ["Yes, this issue has been raised here before.",
                               "It was the main conclusion of the BOF session at the last Python conference, and the "
                               "reason we started working on a new version."]
    assert sentences("deploy done\nthanks all\n- first point of a rather long list without a full stop\n- second") == \
        ["deploy done", "thanks all", "first point of a rather long list without a full stop", "second"]


def test_a_posts_own_field_lines_stay_and_a_mail_clients_header_blocks_go():
    """strip_header_lines: before, every line opening "Date:" or "Subject:" went, so an announcement's own date left
    the text the chains link by (no anchor shared with its copy) and the text the AI-likeness detector reads."""
    from analysis.chain_text import authored_text
    from analysis.text import strip_header_lines

    post = "Subject: Lantern launch\nDate: Friday 12 March is the cutover.\nOwner: Ana"
    assert strip_header_lines(post) == post
    assert strip_header_lines("Date: 14 March\nThanks") == "Date: 14 March\nThanks"
    outlook = ("See below.\n-----Original Message-----\nFrom: Tana Jones\nSent: Monday, March 2, 2026 4:59 PM\n"
               "To: Mark Taylor\nSubject: deal list\n\nThe list is attached.")
    assert strip_header_lines(outlook) == "See below.\n\nThe list is attached."
    rfc = "From: Ana <ana@x.example>\nDate: Tue, 13 Jan 2026 08:00:00 +0000\nSubject: Lantern\n\nMoved to May."
    assert strip_header_lines(rfc) == "\nMoved to May."
    notes = ("FYI\nTana Jones@ECT 04/02/2001 04:59 PM\nTo: Mark Taylor/HOU/ECT@ECT, Sara Shackleton/HOU/ECT@ECT,\n"
             "  Susan Bailey/HOU/ECT@ECT\ncc:\nSubject: Credit Watch List\n\nDitto Credit.")
    assert strip_header_lines(notes) == "FYI\n\nDitto Credit."  # the lines a To: list wraps onto go with it
    assert strip_header_lines("To: ana@x.example\nSubject: Re: Lantern\nok") == "ok"  # a lone field a client wrote
    assert strip_header_lines("> quoted\nChris Barker writes:\nmy answer") == "my answer"
    # a list reply's attribution, its address pseudonymised in the store (the Numpy 2001 list)
    assert strip_header_lines("From: p_2c87fd8aeec2c2b2 <p_a67733e1c42e68ed>\n\nUInt32 could be done") == \
        "\nUInt32 could be done"
    assert "12 March" in authored_text(post)
    # posts keep their own lines; headers in other languages and clients go (an independent review's cases)
    for post in ("Maintenance window tonight\nFrom: 10pm Friday\nTo: 2am Saturday\nAll services will be down.",
                 "Permanence cette semaine\nDe: 9h à 12h\nÀ: 14h tapantes, la salle B\nMerci de vous inscrire.",
                 "To: whoever is on call tonight\nthe db failover is scheduled, runbook is in the wiki\nFrom: Sam",
                 "Subject: Offsite planning\nDate: 14 March\nTo: all staff\nPlease book your trains by Friday.",
                 "Subject: @here the freeze starts Monday\nDate: 14 March", "To: team@3pm sync\nSubject: standup moved",
                 "Date: 14 March\nSent: to the printer on 12 March", "From: the platform team\nDate: 14 March"):
        assert strip_header_lines(post) == post, post
    for header, body in (
            ("Von: Hans Müller\nGesendet: Montag, 4. März 2024 10:15\nAn: Anna Schmidt\nCc: Peter\nBetreff: Budget\n"
             "Wichtigkeit: Hoch\n", "Das Budget."),
            ("Da: Mario Rossi\nInviato: lunedì 4 marzo 2024 10:15\nA: Luigi Verdi\nOggetto: Budget\n", "Il budget."),
            ("De : Jean Dupont\nÀ : Marie Curie\nObjet : Budget\n", "Le budget."),
            ("Begin forwarded message:\n\nFrom: p_0123456789abcdef\nSubject: Budget\nDate: March 4, 2024 at 10:15:33 AM "
             "PST\nTo: p_2123456789abcdef\n", "The budget."),
            ("From: Jeffrey Oh on 02/28/2001 09:59 AM\n", "Sounds good."),
            ("From: Ana\nSent: Monday, April 02, 2001 4:59 PM\nTo: Bob,\n  Frank Green; Gina Blue\nSubject: Budget\n", "Approved.")):
        assert strip_header_lines(header + "\n" + body).strip() == body, header


def test_an_assistants_opening_line_and_notes_are_cut():
    """A small local model's opening line, its list of changes, its note on what it did and its offer to change
    more tell how the answer was made, not what it says (batch 20, docs/chains.md, twenty-fourth round); the
    vector reads the answer's sentences only."""
    from analysis.messages import analysed_sentences, answer_sentences
    from analysis.assistant_frame import without_assistant_frame

    answer = ('"Leslie has informed Tana that the following companies are not authorized to trade US power: City '
              'of Huntsville, Cytec Industries and Torch Energy."')
    for opening in ("", "Here is a rewritten version of the sentence with improved clarity and grammar:\n\n",
                    "Sure! Here's a shorter version:\n", "Sure — here it is in plain English:\n",
                    "Here is a rewritten version:\r\n\r\n"):
        for notes in ('I made the following changes:\n\n- Changed "informs" to "has informed".\n- Split it.',
                      "**Changes made:**\n* Completed sentences for better flow.",
                      "* I've added a subject line to make the purpose of the email clear.",
                      "(Note: I have rephrased the original message while keeping all the key details.)",
                      "---\n\nLet me know if you'd like me to make it even simpler!",
                      "This format presents the information in concise, scannable bullet points.",
                      "I hope this helps! Let me know if you need anything else."):
            text = f"{opening}{answer}\n\n{notes}"
            assert without_assistant_frame(text) == answer
            lo, hi = answer_sentences(text, analysed_sentences(text))
            assert analysed_sentences(text)[lo:hi] == analysed_sentences(answer)
    for opening in ("Here are the key points:\n", "Voici une version plus courte :\n", "Voici les points principaux :\n",
                    "Here's a summary of the message:\n", "Here's an expanded version with more context:\n",
                    "Voici une paraphrase du message :\n"):
        assert without_assistant_frame(f"{opening}{answer}") == answer
    fr = "Bonjour,\n\nVoici un bref retour sur mon séjour : l'hôtel est bien situé, le petit déjeuner est bon."
    assert without_assistant_frame(f"{fr}\n\nSouhaitez-vous que je propose aussi des actions correctives ?") == fr


@pytest.mark.parametrize("kept", [
    "Let me know if you have any questions.\nThanks, Bob",
    "Note: the meeting moved to room 724.",
    "Note: I will be out Monday through Wednesday, so call Sara about the collateral threshold.",
    "Note: the original deadline of March 1 for vendor bids still stands.",
    "Here's what I think we should do: move the launch to March 10.",
    "Changes:\n- login timeout raised to 30 min\n- CSV export fixed",
    "This version is the one the commission approved; Cytec signs.",
    "I have included the revised version of the credit terms below; Cytec gets $5M.",
    "I changed the angle spread formula to reflect the latest version of 25.996 as agreed.",
    "I've added Bob and Tony to the invite.",
    "Let me know if you want me to bring some sand back.",
    "Would you like me to fax it to you?",
    "I hope this meets with your approval.",
    "I hope this helps us decide. The vote is Friday.",
    "Is there anything else you need for the filing?",
    "Dites-moi si vous voulez que je réserve la salle 724 pour jeudi à 14h.",
    # a second review's lines
    "Note: I have added the Q3 actuals to the second tab.",
    "Note: I assumed the Houston office pays for its own travel.",
    "Changes made: deadline moved to March 10, budget raised to $2M.",
    "I've made the changes you asked for in the contract.",
    "I have changed the wording of clause 4 as Legal requested.",
    "I've shortened the meeting to 30 minutes so it's easier for everyone to attend.",
    "This version is ready for signature by Friday.",
    "This version uses the 2024 rates and the new logo.",
    "Let me know if you'd like me to add Sara to the Thursday call.",
    "Let me know if you'd like me to draft the response to the FERC letter.",
    "Would you like me to add Sara to the call?\nThe budget is $5M and due Friday.",
    "J'ai apporté les modifications suivantes au contrat : clause 4 supprimée, prix à 5 M$.",
    "Souhaitez-vous une version papier du contrat pour jeudi ?",
    "Voulez-vous que je vous aide à préparer la salle 724 ?",
])
def test_a_persons_closing_lines_and_notes_stay(kept):
    """What a person writes after their message, in words an assistant's notes also use, is content."""
    from analysis.assistant_frame import without_assistant_frame

    body = "Please plan on attending a meeting on Friday at 8:15 to discuss our strategy for Station 4 with the team."
    assert without_assistant_frame(f"{body}\n\n{kept}") == f"{body}\n\n{kept}"


def test_a_persons_opening_line_and_the_frames_guards():
    """A person's "Here are the notes from today's meeting:" names no version or summary; an opening inside a line,
    or before too little, stays; notes longer than the answer before them stay; a line the sentence splitter joins
    across the cut makes the vector read every sentence, as `eval chains` then reads another text."""
    from analysis.messages import analysed_sentences, answer_sentences
    from analysis.assistant_frame import without_assistant_frame

    body = "Please plan on attending a meeting on Friday at 8:15 to discuss our strategy for Station 4 with the team."
    for opening in ("Here are the notes from today's meeting:\n", "Here's the agenda:\n",
                    "Voici l'ordre du jour de jeudi :\n", "Here's the plan: ", "Here's an update on the Station 4 outage:\n",
                    "Here is the email from Legal:\n", "Here's my summary of the call with Cytec:\n",
                    "Voici le résumé de la réunion de jeudi :\n"):
        assert without_assistant_frame(opening + body) == (opening + body).strip()
    assert without_assistant_frame("Here are the slides:\nhttps://example.com/deck") == \
        "Here are the slides:\nhttps://example.com/deck"
    assert without_assistant_frame("Sure!\nLet me know if you'd like me to change anything.") == \
        "Sure!\nLet me know if you'd like me to change anything."
    nine = "The answer here is nine words long, all told."
    long_notes = f"{nine}\n\nI made the following changes: " + "word " * 40
    assert without_assistant_frame(long_notes) == long_notes.strip()  # notes longer than the answer
    assert without_assistant_frame(f"{nine}\n\nI made the following changes: word.") == nine
    joined = ("Here's a summary of the key points:\n- The Station 4 review meeting moves to Friday at 8:15 in room 724\n"
              "- Bill and Tony must bring the updated pipeline capacity numbers\nLet me know if you'd like me to make it "
              "shorter!")
    sents = analysed_sentences(joined)
    assert answer_sentences(joined, sents) == (0, len(sents))
    assert answer_sentences(body, analysed_sentences(body)) == (0, len(analysed_sentences(body)))


def test_an_assistants_frame_costs_no_backtracking():
    """Long runs of blanks, rule lines or repeated cues read in linear time (the review's inputs, ~100,000
    characters each: a nested repeat took from seconds to minutes on them)."""
    from analysis.assistant_frame import assistant_answer

    for text in ("d'accord" + "\n" * 100_000, "ok" + " " * 100_000 + "x", "Sure" + " " * 100_000,
                 "\nWould you like me to" * 4_761, "Here's " + "post " * 20_000 + "\n", "\nNote: I changed " * 6_000):
        assert assistant_answer(text) == (0, len(text))
    from analysis.text import prose_for_language

    assert prose_for_language(" :" + "a" * 100_000).strip() == ":" + "a" * 100_000  # no emoji code: no closing colon
    ruled = ("one two three four five six seven eight nine\n" + "\n---" * 25_000 +
             "\nx\nLet me know if you'd like me to make it shorter")
    assert assistant_answer(ruled) == (0, ruled.index("\nLet me know"))  # the offer cut, the rules before "x" kept
