"""Names across scripts: found from any keyboard, and lookalikes flagged to moderators."""

import io

from tests.conftest import link_from, sign
from undersigned.core.text import confusable_skeleton, search_key
from undersigned.signatures.exchange import import_csv
from undersigned.signatures.models import Signature
from undersigned.signatures.services import signature_withdraw, withdraw_token_for

CYRILLIC_A = "\u0410"  # looks exactly like the Latin capital A


def sign_and_confirm(client, statement, deliver_mail, *, name: str, email: str) -> None:
    sign(client, statement, name=name, email=email)
    message = [m for m in deliver_mail() if m.to == [email]][-1]
    client.post(link_from(message, "confirm"))


def test_a_name_in_another_script_has_the_same_search_key():
    assert search_key("Айсин") == search_key("Aysin") == "aysin"
    assert search_key("Aysin Öztürk-Yılmaz") == "aysin ozturk yilmaz"


def test_a_cyrillic_letter_in_a_latin_name_gives_the_same_skeleton():
    assert confusable_skeleton(f"{CYRILLIC_A}hmet") == confusable_skeleton("Ahmet")
    assert confusable_skeleton("Ahmet") != confusable_skeleton("Mehmet")


def test_a_confirmed_lookalike_points_to_the_earlier_signature(client, statement, deliver_mail):
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="a@x.org")
    sign_and_confirm(
        client, statement, deliver_mail, name=f"{CYRILLIC_A}hmet Yılmaz", email="b@x.org"
    )
    first, second = Signature.objects.order_by("pk")
    assert first.looks_like is None
    assert second.looks_like == first


def test_a_pending_lookalike_is_not_flagged_before_it_is_confirmed(client, statement, deliver_mail):
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="a@x.org")
    sign(client, statement, name=f"{CYRILLIC_A}hmet Yılmaz", email="b@x.org")
    assert not Signature.objects.filter(looks_like__isnull=False).exists()


def test_namesakes_spelled_alike_are_not_flagged(client, statement, deliver_mail):
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="a@x.org")
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="b@x.org")
    assert not Signature.objects.filter(looks_like__isnull=False).exists()


def test_withdrawing_erases_the_keys_of_the_name(client, statement, deliver_mail):
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="a@x.org")
    signature = Signature.objects.get()
    signature_withdraw(token=withdraw_token_for(signature))
    signature.refresh_from_db()
    assert (signature.name, signature.search_key, signature.skeleton) == ("", "", "")


def test_the_admin_finds_a_cyrillic_name_typed_in_latin_letters(client, statement, organizer):
    sign(client, statement, name="Айсин Алиева", email="a@example.org")
    sign(client, statement, name="Maria Silva", email="b@example.org")
    client.force_login(organizer)
    page = client.get("/admin/signatures/signature/", {"q": "Aysin"}).content.decode()
    assert "Айсин Алиева" in page
    assert "Maria Silva" not in page


def test_the_admin_lists_only_lookalikes_with_its_filter(
    client, statement, organizer, deliver_mail
):
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="a@x.org")
    sign_and_confirm(
        client, statement, deliver_mail, name=f"{CYRILLIC_A}hmet Yılmaz", email="b@x.org"
    )
    sign(client, statement, name="Maria Silva", email="c@example.org")
    client.force_login(organizer)
    page = client.get("/admin/signatures/signature/", {"lookalike": "yes"}).content.decode()
    assert f"{CYRILLIC_A}hmet Yılmaz" in page
    assert "Maria Silva" not in page


def test_an_imported_lookalike_is_flagged_too(client, statement, deliver_mail):
    sign_and_confirm(client, statement, deliver_mail, name="Ahmet Yılmaz", email="a@x.org")
    import_csv(io.StringIO(f"name,country\n{CYRILLIC_A}hmet Yılmaz,TR\n"), statement=statement)
    imported = Signature.objects.get(source="import")
    assert imported.looks_like == Signature.objects.get(source="web")
    assert imported.search_key == "ahmet yilmaz"
