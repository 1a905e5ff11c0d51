"""Twenty people pressing Sign at once with one address make exactly one signature."""

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import SIGN_FIELDS
from undersigned.signatures.models import Signature


@pytest.mark.parametrize("group_commit", [False, True], ids=["inline", "group-commit"])
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_with_one_email_make_one_signature(statement, settings, group_commit):
    settings.SIGNATURE_GROUP_COMMIT = group_commit
    barrier = threading.Barrier(20)
    codes: list[int] = []
    lock = threading.Lock()

    def submit(index: int) -> None:
        try:
            barrier.wait()
            response = Client().post(
                f"/en/s/{statement.slug}/sign",
                {**SIGN_FIELDS, "name": f"Ana {index}", "email": "Ana@Example.org"},
                REMOTE_ADDR=f"203.0.113.{index + 1}",
            )
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [302] * 20
    assert Signature.objects.filter(email_normalized="ana@example.org").count() == 1
