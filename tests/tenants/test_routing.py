"""Requests reach a centre by path (/c/<division_code>/…) or by the X-Centre header."""

from __future__ import annotations


def test_path_routes_to_the_centre(client, demo_network):
    response = client.get("/c/420506101201/api/")
    assert response.status_code == 200
    body = response.json()
    assert (body["division_code"], body["tier"], body["schema"]) == (
        "420506101201",
        "village",
        "vill_420506101201",
    )


def test_header_routes_to_the_centre(client, demo_network):
    response = client.get("/health/", HTTP_X_CENTRE="420506")
    assert response.status_code == 200
    assert client.get("/api/", HTTP_X_CENTRE="420506").json()["name"] == "夷陵区政务服务中心"


def test_unknown_centre_is_a_clear_404(client, demo_network):
    response = client.get("/c/420506101299/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "centre_not_found"
    assert client.get("/", HTTP_X_CENTRE="x; drop").status_code == 404


def test_public_side_without_a_centre(client, demo_network):
    body = client.get("/api/").json()
    assert body["centres"] == 19
    assert body["roots"] == [{"division_code": "420500", "name": "宜昌市政务服务中心"}]
