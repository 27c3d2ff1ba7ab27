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
