"""AMQP 0-9-1 PLAIN login, standard library only: prints OK or REFUSED <reason>.

Run inside the host under test: python3 amqp_login.py ADDRESS USER PASSWORD
"""

import socket
import struct
import sys


def recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def read_method(sock):
    _kind, _channel, size = struct.unpack(">BHI", recv_exact(sock, 7))
    payload = recv_exact(sock, size)
    recv_exact(sock, 1)  # frame end 0xCE
    return struct.unpack(">HH", payload[:4]), payload[4:]


def shortstr(value):
    return bytes([len(value)]) + value


def main(address, user, password):
    sock = socket.create_connection((address, 5672), timeout=10)
    sock.sendall(b"AMQP\x00\x00\x09\x01")
    method, _args = read_method(sock)
    if method != (10, 10):
        return "REFUSED unexpected %r" % (method,)
    response = b"\x00" + user.encode() + b"\x00" + password.encode()
    # Connection.Start-Ok: client-properties announcing authentication_failure_close,
    # so that a refused login gets a Connection.Close with its reply code.
    caps = shortstr(b"authentication_failure_close") + b"t\x01"
    props = shortstr(b"capabilities") + b"F" + struct.pack(">I", len(caps)) + caps
    args = struct.pack(">I", len(props)) + props
    args += shortstr(b"PLAIN") + struct.pack(">I", len(response)) + response + shortstr(b"en_US")
    payload = struct.pack(">HH", 10, 11) + args
    sock.sendall(struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce")
    try:
        method, args = read_method(sock)
    except EOFError:
        return "REFUSED connection closed"
    if method == (10, 30):  # Connection.Tune: the broker accepted the credentials
        return "OK"
    if method == (10, 50):  # Connection.Close
        code = struct.unpack(">H", args[:2])[0]
        text = args[3:3 + args[2]].decode(errors="replace")
        return "REFUSED %d %s" % (code, text)
    return "REFUSED unexpected %r" % (method,)


if __name__ == "__main__":
    print(main(*sys.argv[1:4]))
