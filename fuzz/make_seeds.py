#!/usr/bin/env python3
"""Writes the seed corpora for the fuzz targets (fuzz/corpus/<target>/).

Each seed is one selector byte (which decoder the target drives, see the *_fuzz.cpp files)
followed by a small valid input made up here. Run from the repository root:
    python3 fuzz/make_seeds.py
"""
import base64
import hashlib
import json
import os
import urllib.parse

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# SubjectPublicKeyInfo prefixes (RFC 8410) for the four key types.
SPKI = {
    "ed25519": bytes.fromhex("302a300506032b6570032100"),
    "ed448": bytes.fromhex("3043300506032b6571033a00"),
    "x25519": bytes.fromhex("302a300506032b656e032100"),
    "x448": bytes.fromhex("3042300506032b656f033900"),
}
SIZES = {"ed25519": 32, "ed448": 57, "x25519": 32, "x448": 56}


def key_der(alg, label):
    raw = hashlib.sha512(label.encode()).digest()[: SIZES[alg]]
    return SPKI[alg] + raw


def short(b):
    assert len(b) <= 255
    return bytes([len(b)]) + b


def b64u(b):
    return base64.urlsafe_b64encode(b).decode()


def write(target, name, selector, payload):
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    write_raw(target, name, bytes([selector]) + payload)


def write_raw(target, name, content):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


# PKCS#8 PrivateKeyInfo prefixes (RFC 8410) for the four key types.
PKCS8 = {
    "ed25519": bytes.fromhex("302e020100300506032b657004220420"),
    "ed448": bytes.fromhex("3047020100300506032b6571043b0439"),
    "x25519": bytes.fromhex("302e020100300506032b656e04220420"),
    "x448": bytes.fromhex("3046020100300506032b656f043a0438"),
}


def crypto_seeds():
    # crypto_decode takes the whole input (no selector): every decoder sees every seed.
    t = "crypto_decode"
    for alg in SIZES:
        write_raw(t, f"public_{alg}", key_der(alg, f"seed-{alg}"))
        raw = hashlib.sha512(f"private-{alg}".encode()).digest()[: SIZES[alg]]
        write_raw(t, f"private_{alg}", PKCS8[alg] + raw)
    write_raw(t, "short_ed25519", short(key_der("ed25519", "short")))
    write_raw(t, "short_ed448", short(key_der("ed448", "short")))
    write_raw(t, "box_like", bytes(16) + hashlib.sha256(b"box").digest())


def binary_seeds():
    t = "binary_decoders"
    write(t, "maybe_nothing", 0, b"0")
    write(t, "maybe_just", 0, b"1" + short(b"hello"))
    write(t, "list_two", 1, b"\x02" + short(b"a") + short(b""))
    write(t, "non_empty_one", 2, b"\x01" + short(b"xyz"))
    write(t, "version_range", 3, bytes.fromhex("00010002"))
    write(t, "server", 4, short(b"smp.example.net") + short(b"5223") + short(bytes(range(32))))
    write(t, "key_ed448", 5, short(key_der("ed448", "seed-ed448")))
    write(t, "large", 6, b"\x01\x00" + b"L" * 256)
    write(t, "system_time", 7, bytes.fromhex("0000000061d02bc5"))
    write(t, "tagged_tail", 8, b"M" + short(b"hdr") + b"tail")
    write(t, "maybe_x25519", 9, b"1" + short(key_der("x25519", "seed-x25519")))


def string_seeds():
    t = "string_decoders"
    kh = b64u(hashlib.sha256(b"server identity").digest())
    server = f"smp://{kh}@relay.example.net:5223"
    dh = b64u(key_der("x25519", "queue dh"))
    sid = b64u(bytes(range(24)))
    queue = f"{server}/{sid}#{dh}"
    k1 = b64u(key_der("x448", "ratchet 1"))
    k2 = b64u(key_der("x448", "ratchet 2"))
    e2e = f"v=1&x3dh={k1},{k2}"
    quote = lambda s: urllib.parse.quote(s, safe="-_.~")
    write(t, "b64url_unpadded", 0, "aGVsbG8")
    write(t, "b64_std", 1, "+/8=")
    write(t, "b64url_token", 2, f"{kh}@rest")
    write(t, "query", 3, "?a=1&b=x%20y;c&d=%zz")
    write(t, "version_range", 4, "1-2")
    write(t, "key", 5, k1)
    write(t, "server", 6, server)
    write(t, "server_password", 6, f"smp://{kh}:s3cret@relay.example.net:5223")
    write(t, "queue_short", 7, queue)
    write(t, "queue_versioned", 7, f"{server}/{sid}/#/?v=1-2&dh={dh}&x=1")
    write(t, "queue_mode", 7, f"{server}/{sid}#/?v=1-4&dh={quote(dh)}&q=m&k=s")
    write(t, "e2e", 8, e2e)
    write(t, "queue_info", 9,
          '{"qiSnd":true,"qiNtf":false,"qiSub":{"qSubThread":"noSub","qDelivered":"AQID"},'
          '"qiSize":1,"qiMsg":{"msgId":"AQID","msgTs":"2024-12-05T00:00:00Z","msgType":"quota"}}')
    write(t, "invitation", 10,
          f"https://simplex.chat/invitation#/?v=1&smp={quote(queue)}&e2e={quote(e2e)}")
    write(t, "contact", 10, f"simplex:/contact/#/?v=1-2&smp={quote(queue + ',' + queue)} info")


def ratchet_seeds():
    # Selectors as in ratchet_fuzz.cpp: 0 E2E params (binary), 1 E2E params URI, 3 skipped
    # keys, 4 message key, 5 message header, 6 encrypted ratchet message, 7 rc_decrypt.
    t = "ratchet"
    k1, k2 = key_der("x448", "ratchet-1"), key_der("x448", "ratchet-2")
    write(t, "e2e_params", 0, b"\x00\x01" + short(k1) + short(k2))
    write(t, "e2e_params_uri", 1, f"v=1&x3dh={b64u(k1)},{b64u(k2)}")
    write(t, "e2e_params_uri_range", 1, f"v=1-2&x3dh={b64u(k1)},{b64u(k2)}")
    mk = short(hashlib.sha256(b"mk").digest()) + short(bytes(16))
    write(t, "message_key", 4, mk)
    write(t, "skipped_keys", 3, b"\x01" + short(bytes(32)) + b"\x01" + bytes(4) + mk)
    header = b"\x00\x01" + short(k1) + bytes.fromhex("00000000") + bytes.fromhex("00000001")
    write(t, "msg_header", 5, header)
    enc_header = b"\x00\x01" + bytes(16) + bytes(16) + short(bytes(88))
    message = short(enc_header) + bytes(16) + bytes(64)
    write(t, "enc_message", 6, message)
    write(t, "decrypt_garbage", 7, message)


def tls_records_seeds():
    t = "tls_records"
    # 1: plaintext to seal and open (flip byte, then control byte + plaintext per record).
    write(t, "seal_no_flip", 1, b"\x00" + b"\x05hello" + b"\x09" + b"abcdefgh")
    write(t, "seal_flip", 1, b"\x07" + b"\x09" + b"some plaintext bytes here")
    # 0: a network stream: one application_data record of 32 bytes (fails authentication).
    write(t, "stream", 0, bytes.fromhex("1703030020") + b"A" * 32)
    # 2, 3: the same in TLS 1.3; control byte bit 2 asks for a KeyUpdate after the record.
    write(t, "stream13", 2, bytes.fromhex("1703030020") + b"A" * 32)
    write(t, "seal13_key_update", 3, b"\x00" + b"\x0dhello" + b"\x09" + b"abcdefgh")
    write(t, "seal13_flip", 3, b"\x05" + b"\x0d" + b"some plaintext bytes here")


def current_handshake_seeds():
    t = "current_handshake"
    key_hash = hashlib.sha256(b"ca").digest()
    session_id = bytes(range(32))
    x25519 = short(key_der("x25519", "client"))
    # A certificate chain that does not parse (its key is then absent) and a signed key.
    chain = bytes([1]) + (3).to_bytes(2, "big") + b"\x30\x01\x00"
    signed = bytes.fromhex("3076302a300506032b656e032100") + bytes(32) + bytes.fromhex(
        "300506032b6570034100") + bytes(64)
    cert_key = chain + len(signed).to_bytes(2, "big") + signed
    # 0: the server's block, versions 6..18 and 6..6.
    write(t, "server_6_18", 0, bytes.fromhex("00060012") + short(session_id) + cert_key)
    write(t, "server_6_6", 0, bytes.fromhex("00060006") + short(session_id))
    # With the reference's fixture chain [online, CA] (keys.json, when the shared vectors are
    # next to the repository) and a real signed X25519 key, so that the parsers get past the
    # certificates.
    vectors = os.path.join(os.path.dirname(ROOT), "..", "..", "shared", "vectors", "keys.json")
    if os.path.exists(vectors):
        certs = json.load(open(vectors))["certificates"]
        ders = [bytes.fromhex(certs[1]["certificate_der"]), bytes.fromhex(certs[0]["certificate_der"])]
        real_signed = bytes.fromhex(
            "3076302a300506032b656e032100f7a83b7bf2a4aa256da892ff12dbe92a9e0f2da5c49434e8adb39757"
            "efbb5d7b300506032b65700341008e71becce10fc69e53fef00f85762d1a0092822fd98876f23243bc8d"
            "82879a2eb261435e02157b8bee6ef7233adf0f065701289da805012587c6fbbadd702408")
        real = bytes([len(ders)]) + b"".join(len(d).to_bytes(2, "big") + d for d in ders)
        real += len(real_signed).to_bytes(2, "big") + real_signed
        write(t, "server_6_18_chain", 0, bytes.fromhex("00060012") + short(session_id) + real)
        write(t, "client_v18_service_chain", 1,
              bytes.fromhex("0012") + short(key_hash) + x25519 + b"F1P" + real)
    # 1: the client's block at v6, v7, v14, v16 (no service, and a service).
    write(t, "client_v6", 1, bytes.fromhex("0006") + short(key_hash))
    write(t, "client_v7", 1, bytes.fromhex("0007") + short(key_hash) + x25519)
    write(t, "client_v14", 1, bytes.fromhex("000e") + short(key_hash) + x25519 + b"T")
    write(t, "client_v16", 1, bytes.fromhex("0010") + short(key_hash) + x25519 + b"F0")
    write(t, "client_v18_service", 1,
          bytes.fromhex("0012") + short(key_hash) + x25519 + b"F1M" + cert_key)
    # 2: the server's response to a service.
    write(t, "response_ok", 2, b"R" + short(bytes(24)))
    write(t, "response_error", 2, b"EHANDSHAKE BAD_AUTH")
    write(t, "response_version", 2, b"EVERSION")


def batch_seeds():
    # Selector byte: the version is 6 + selector % 13. Content: count ‖ Large transmissions.
    t = "batch"
    sid = bytes([0x5A]) * 32
    corr = bytes([0xC0]) * 24
    queue = bytes([0x0E]) * 24

    def large(b):
        return len(b).to_bytes(2, "big") + b

    def batch(*ts):
        return bytes([len(ts)]) + b"".join(large(x) for x in ts)

    rk, dh = key_der("ed25519", "batch-rk"), key_der("x25519", "batch-dh")
    xk = key_der("x25519", "batch-xk")
    sig = bytes(64)
    # v6: the session id is sent.
    write(t, "v6_ping", 0, batch(b"\x00" + short(sid) + short(corr) + b"\x00PING"))
    # v18: implied session id; signed NEW with a queue request and ntf credentials.
    new = b"NEW " + short(rk) + short(dh) + b"1" + short(b"pw") + b"S1M0" + b"1" + short(xk) + short(dh)
    write(t, "v18_new", 12, batch(short(sig) + b"0" + short(corr) + b"\x00" + new))
    send = b"SEND T " + b"body"
    sub = short(bytes(80)) + b"0" + short(corr) + short(queue) + b"SUB"
    write(t, "v18_send_sub", 12, batch(b"\x00" + short(corr) + short(queue) + send, sub))
    msg = b"MSG " + short(queue) + bytes(40)
    err = b"ERR BLOCKED reason=spam,notice={\"ttl\":60}"
    write(t, "v18_msg_err", 12, batch(b"\x00" + short(b"") + short(queue) + msg,
                                       b"\x00" + short(corr) + short(queue) + err))
    lnk = b"LNK " + short(queue) + large(b"fixed") + large(b"user")
    write(t, "v15_lnk", 9, batch(b"\x00" + short(corr) + short(queue) + lnk))
    ids = b"IDS " + short(queue) + short(queue) + short(dh) + b"1M1" + short(queue) + b"0"
    write(t, "v16_ids", 10, batch(b"\x00" + short(corr) + b"\x00" + ids))
    # Private routing: PRXY (one host, basic auth) and PFWD to the proxy; PKEY and PRES back;
    # RFWD and RRES between the proxy and the destination.
    prxy = b"PRXY " + b"\x01" + short(b"127.0.0.1") + short(b"5223") + short(bytes(32)) + b"1" + short(b"pw")
    pfwd = b"PFWD " + (18).to_bytes(2, "big") + short(xk) + bytes(48)
    write(t, "v18_prxy_pfwd", 12, batch(b"\x00" + short(corr) + short(b"") + prxy,
                                         b"\x00" + short(corr) + short(sid) + pfwd))
    pkey = b"PKEY " + short(sid) + (8).to_bytes(2, "big") + (17).to_bytes(2, "big") + b"\x02" + large(b"leaf") + large(b"ca") + large(b"signed key")
    write(t, "v17_pkey_pres", 11, batch(b"\x00" + short(corr) + short(b"") + pkey,
                                         b"\x00" + short(corr) + short(sid) + b"PRES " + bytes(48)))
    write(t, "v18_rfwd_rres", 12, batch(b"\x00" + short(corr) + short(b"") + b"RFWD " + bytes(48),
                                         b"\x00" + short(corr) + short(b"") + b"RRES " + bytes(48)))


def forwarding_seeds():
    # Selector 0: FwdTransmission, 1: FwdResponse (Protocol.hs).
    corr = b"c" * 24
    key = key_der("x25519", "fwd")
    write("forwarding", "fwd_transmission", 0,
          short(corr) + (18).to_bytes(2, "big") + short(key) + b"\x00" * 40)
    write("forwarding", "fwd_transmission_v8", 0,
          short(corr) + (8).to_bytes(2, "big") + short(key))
    write("forwarding", "fwd_response", 1, short(corr) + b"\x01" * 40)
    write("forwarding", "fwd_bad_key", 0,
          short(corr) + (18).to_bytes(2, "big") + short(key_der("ed25519", "x")))


def proxy_answer_seeds():
    # Even selector: a block's content from the destination (v8 for 0, v17 for 18); odd: the
    # FwdResponse the destination sealed in RRES. corrId 42 0…0 is the RFWD's (the target's).
    corr = bytes([42]) + bytes(23)

    def batch(*transmissions):
        out = bytes([len(transmissions)])
        for t in transmissions:
            out += len(t).to_bytes(2, "big") + t
        return out

    def answer(msg, c=corr):
        return b"\x00" + short(c) + short(b"") + msg

    write("proxy_answer", "rres_junk", 0, batch(answer(b"RRES " + b"\x01" * 60)))
    write("proxy_answer", "err_auth", 0, batch(answer(b"ERR AUTH")))
    write("proxy_answer", "ok_unexpected", 18, batch(answer(b"OK")))
    write("proxy_answer", "two_and_unknown", 0,
          batch(answer(b"ERR CRYPTO"), answer(b"PONG", b"other")))
    write("proxy_answer", "bad_syntax", 0, batch(answer(b"RRES")))
    write("proxy_answer", "fwd_response", 1, short(b"c" * 24) + b"\x05" * 40)
    write("proxy_answer", "fwd_response_short", 1, b"\x30abc")


if __name__ == "__main__":
    proxy_answer_seeds()
    forwarding_seeds()
    batch_seeds()
    ratchet_seeds()
    binary_seeds()
    string_seeds()
    crypto_seeds()
    tls_records_seeds()
    current_handshake_seeds()
