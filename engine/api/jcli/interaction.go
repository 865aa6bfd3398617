package jcli

import (
	"strconv"
	"strings"
)

// interaction is an add or update session: the `> ` prompt that collects
// "key value" lines until ok (save) or ko (cancel).
type interaction interface {
	// keys are what TAB offers at the start of a line, and what
	// "You must set these options before saving" lists.
	keys() []string
	// set takes one "key value" line, answering an error line when the
	// key or the value is refused (the session stays open).
	set(s *session, key, arg string)
	// save handles "ok": it reports whether the session is over (saved);
	// on a refusal it prints why and the session stays open.
	save(s *session) bool
}

// completer is an interaction that completes beyond the first word.
type completer interface {
	complete(words []string) []string
}

// errLine prints an error the way Jasmin does: "Error: " and the text.
func (s *session) errLine(err error) { s.println("Error: " + err.Error()) }

// missing is Jasmin's refusal to save an incomplete object.
func (s *session) missing(keys []string) {
	s.println("You must set these options before saving: " + strings.Join(keys, ", "))
}

// parseOrder reads an order argument of remove / show: a non-negative
// integer.
func parseOrder(arg string) (int, bool) {
	if arg == "" {
		return 0, false
	}
	for i := 0; i < len(arg); i++ {
		if arg[i] < '0' || arg[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n > maxOrder {
		return 0, false
	}
	return n, true
}
