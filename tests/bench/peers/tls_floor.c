/* The least an OpenSSL client pays for the TLS of one send, as a yardstick
 * for the CPU and memory rows of RESULTS.md: greeting, EHLO, STARTTLS,
 * then a TLS handshake verified against one CA file and the server's IP
 * address, and QUIT. No AUTH, no message, no interpreter. Bench code, not
 * part of gwkit. Usage: tls_floor HOST PORT CAFILE (HOST numeric). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Reads one SMTP reply (its last line starts "NNN "); its code, or -1. */
static int reply(int fd)
{
    char line[1024];
    size_t n = 0;
    for (;;) {
        char c;
        if (read(fd, &c, 1) != 1)
            return -1;
        if (n < sizeof line - 1)
            line[n++] = c;
        if (c != '\n')
            continue;
        line[n] = '\0';
        if (n >= 4 && line[3] == ' ')
            return atoi(line);
        n = 0;
    }
}

static int say(int fd, const char *s)
{
    return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    if (argc != 4)
        return fprintf(stderr, "usage: tls_floor HOST PORT CAFILE\n"), 64;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
        return fprintf(stderr, "tls_floor: HOST must be an IPv4 address\n"), 64;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return perror("tls_floor: connect"), 1;
    if (reply(fd) != 220 || say(fd, "EHLO localhost\r\n") || reply(fd) != 250
        || say(fd, "STARTTLS\r\n") || reply(fd) != 220)
        return fprintf(stderr, "tls_floor: no STARTTLS\n"), 1;
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1
        || SSL_CTX_load_verify_locations(ctx, argv[3], NULL) != 1)
        return fprintf(stderr, "tls_floor: setup failed\n"), 1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1
        || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), argv[1]) != 1
        || SSL_connect(ssl) != 1)
        return fprintf(stderr, "tls_floor: handshake failed\n"), 1;
    SSL_write(ssl, "QUIT\r\n", 6);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return 0;
}
