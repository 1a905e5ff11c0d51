"""The JSON API described in OpenAPI 3.1, served at /api/v1/openapi.json. Kept beside the
views it describes; test_openapi_describes_every_route_of_the_api in
tests/api/test_conference_api.py checks that every route is in it."""

from __future__ import annotations

from django.conf import settings

_ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_BALLOT_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_DELEGATE = [{"delegateToken": []}]


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Undersigned API",
            "version": "1",
            "description": (
                "Public data of statements, and the conference endpoints for voting devices "
                "and scripts. Conference endpoints need a delegate's token (the token of "
                "their invitation link) as `Authorization: Bearer <token>`."
            ),
        },
        "servers": [{"url": f"{settings.BASE_URL}/api/v1"}],
        "components": {
            "securitySchemes": {"delegateToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["error"],
                },
                "Results": {
                    "type": ["object", "null"],
                    "description": "Shown to the chair, or to everyone once published or closed.",
                    "properties": {
                        "yes": {"type": "integer"},
                        "no": {"type": "integer"},
                        "abstain": {"type": "integer"},
                        "voters": {"type": "integer"},
                        "present": {
                            "type": ["integer", "null"],
                            "description": "Votes present, when the chair entered them.",
                        },
                        "adopted": {
                            "type": ["boolean", "null"],
                            "description": "Null while the verdict waits for the number present.",
                        },
                        "verdict": {"type": "string"},
                        "arithmetic": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Ballot": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "state": {"enum": ["draft", "open", "closed"]},
                        "mode": {"enum": ["electronic", "recorded"]},
                        "secret": {"type": "boolean"},
                        "abstain_allowed": {"type": "boolean"},
                        "amendment": {"type": ["integer", "null"]},
                        "version": {"type": ["integer", "null"]},
                        "results": {"$ref": "#/components/schemas/Results"},
                        "voted": {"type": "boolean"},
                    },
                },
                "Amendment": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "integer"},
                        "version": {"type": "integer"},
                        "block": {"type": "string"},
                        "action": {"enum": ["replace", "insert", "delete"]},
                        "text": {"type": "string"},
                        "adopted_text": {"type": "string"},
                        "justification": {"type": "string"},
                        "proposer": {"type": "string"},
                        "cosigners": {"type": "array", "items": {"type": "string"}},
                        "status": {"type": "string"},
                        "reason": {"type": "string"},
                        "referred_to": {"type": "string"},
                        "written_against": {
                            "type": ["string", "null"],
                            "description": "The block's text the amendment was written"
                            " against, when not the block's text in its version (rebased,"
                            " or carried over onto a changed block).",
                        },
                        "carried_from": {
                            "type": ["object", "null"],
                            "description": "The amendment referred from an earlier"
                            " conference that this one carries over.",
                            "properties": {
                                "conference": {"type": "string"},
                                "number": {"type": "integer"},
                            },
                        },
                    },
                },
            },
        },
        "paths": {
            "/statements/{slug}": {
                "get": {
                    "summary": "A public statement: titles, approved languages, counts",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _response("The statement", {"type": "object"}),
                        "404": _response("No such public statement", _ERROR),
                    },
                }
            },
            "/conferences/{slug}/ballots": {
                "get": {
                    "summary": "The conference's ballots",
                    "security": _DELEGATE,
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _response(
                            "Ballots",
                            {
                                "type": "object",
                                "properties": {
                                    "ballots": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Ballot"},
                                    }
                                },
                            },
                        ),
                        "401": _response("No delegate token", _ERROR),
                    },
                }
            },
            "/conferences/{slug}/ballots/{id}": {
                "get": {
                    "summary": "One ballot, its results where visible, whether you voted",
                    "security": _DELEGATE,
                    "parameters": [_SLUG, _BALLOT_ID],
                    "responses": {
                        "200": _response("The ballot", {"$ref": "#/components/schemas/Ballot"}),
                        "401": _response("No delegate token", _ERROR),
                        "404": _response("No such ballot", _ERROR),
                    },
                }
            },
            "/conferences/{slug}/ballots/{id}/vote": {
                "post": {
                    "summary": "Cast your vote (once)",
                    "security": _DELEGATE,
                    "parameters": [_SLUG, _BALLOT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {
                                            "type": "object",
                                            "properties": {
                                                "choice": {"enum": ["yes", "no", "abstain"]}
                                            },
                                            "required": ["choice"],
                                        },
                                        {
                                            "type": "object",
                                            "description": "A delegation's votes, split",
                                            "properties": {
                                                "yes": {"type": "integer", "minimum": 0},
                                                "no": {"type": "integer", "minimum": 0},
                                                "abstain": {"type": "integer", "minimum": 0},
                                            },
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _response("Counted", {"type": "object"}),
                        "400": _response("Unreadable body", _ERROR),
                        "401": _response("No delegate token", _ERROR),
                        "409": _response("Voted already, or the vote is refused", _ERROR),
                    },
                }
            },
            "/conferences/{slug}/amendments": {
                "get": {
                    "summary": "The amendments and their states",
                    "security": _DELEGATE,
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _response(
                            "Amendments",
                            {
                                "type": "object",
                                "properties": {
                                    "amendments": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Amendment"},
                                    }
                                },
                            },
                        ),
                        "401": _response("No delegate token", _ERROR),
                    },
                }
            },
        },
    }
