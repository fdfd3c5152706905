"""One message with Python's smtplib, as documented: starttls() or
SMTP_SSL, then AUTH PLAIN (initial response), sendmail(), quit(). smtplib
never pipelines. Usage:
  python3 smtplib_send.py starttls|tls HOST PORT CAFILE USER PASSWORD FROM TO MSGFILE [COUNT [session|conn]]
CAFILE "" verifies against the default store."""
import smtplib, ssl, sys
mode, host, port, cafile, user, pw, frm, to, msgfile = sys.argv[1:10]
count = int(sys.argv[10]) if len(sys.argv) > 10 else 1
how = sys.argv[11] if len(sys.argv) > 11 else "session"
msg = open(msgfile, "rb").read()
ctx = ssl.create_default_context(cafile=cafile or None)  # "": the default store (SSL_CERT_FILE/DIR)

def connect():
    if mode == "tls":
        s = smtplib.SMTP_SSL(host, int(port), local_hostname="localhost", context=ctx, timeout=30)
    else:
        s = smtplib.SMTP(host, int(port), local_hostname="localhost", timeout=30)
        s.starttls(context=ctx)
    s.ehlo()
    s.user, s.password = user, pw
    s.auth("PLAIN", s.auth_plain, initial_response_ok=True)
    return s

if how == "session":
    s = connect()
    for _ in range(count):
        s.sendmail(frm, [to], msg)
    s.quit()
else:
    for _ in range(count):
        s = connect()
        s.sendmail(frm, [to], msg)
        s.quit()
