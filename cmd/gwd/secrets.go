package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router"
)

// stdin is where -hash-password reads (tests replace it).
var stdin io.Reader = os.Stdin

// hashPassword is -hash-password: one line from r, its hash on stdout.
func hashPassword(r io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReaderSize(io.LimitReader(r, router.MaxSecretLen+2), router.MaxSecretLen+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "gwd: -hash-password: reading standard input: %v\n", err)
		return 1
	}
	if len(line) > router.MaxSecretLen && !strings.HasSuffix(line, "\n") {
		fmt.Fprintf(stderr, "gwd: -hash-password: the password is longer than %d bytes\n", router.MaxSecretLen)
		return 1
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	h, err := router.HashSecret(pw)
	if err != nil {
		fmt.Fprintf(stderr, "gwd: -hash-password: %v (give the password as one line on standard input)\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", h)
	return 0
}

// warnConfig prints what a valid configuration still should not do.
func warnConfig(cfg config.Config, stderr io.Writer) {
	if sec, err := config.ParseAdminSecret(cfg.JCli.AdminPassword); err == nil && sec.LegacyMD5() {
		fmt.Fprintln(stderr, "gwd: warning: [jcli] admin_password is an unsalted MD5 digest (Jasmin's form), fast to guess from if it leaks: replace it with the hash `gwd -hash-password` prints")
	}
}
