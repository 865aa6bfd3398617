package jcli

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/recovery"
)

// Prompts and fixed texts, as Jasmin prints them.
const (
	promptMain     = "jcli : "
	promptSession  = "> "
	promptUsername = "Username: "
	promptPassword = "Password: "

	// Welcome is the first line after a successful login. It is Jasmin
	// 0.11.1's, byte for byte, so that scripts written against Jasmin
	// recognise the console.
	Welcome = "Welcome to Jasmin 0.11.1 console"
)

type authState uint8

const (
	authUser authState = iota
	authPassword
	authDone
)

// session is one telnet client.
type session struct {
	srv  *Server
	conn net.Conn
	ref  int
	host string
	rd   *lineReader
	out  []byte

	auth     authState
	username string
	fails    int
	prompt   string
	inter    interaction // the open add/update session, if any
	quit     bool
	// cmdLine is the command line being run, or the one that opened the
	// interaction (never the interaction's lines: they may hold
	// passwords), for the audit log.
	cmdLine string
}

func newSession(srv *Server, conn net.Conn, ref int) *session {
	return &session{srv: srv, conn: conn, ref: ref, host: remoteHost(conn), rd: newLineReader(), prompt: promptUsername}
}

// run serves the session until the client leaves, quits, times out or
// the server closes.
func (s *session) run() {
	defer func() {
		// A panic in a command ends this session only: it is logged with
		// its stack and counted in gwd_panics_total{where="jcli"}, the
		// user told, the connection closed; the console goes on.
		if v := recover(); v != nil {
			recovery.Report("jcli", s.srv.log, v)
			_ = s.conn.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = s.conn.Write([]byte("\r\nInternal error: the session is closed (see the gateway's log).\r\n"))
		}
		_ = s.conn.Close()
	}()
	log := s.srv.log.With("sref", s.ref, "peer", s.conn.RemoteAddr().String())
	log.Info("session started")
	defer log.Info("session stopped")
	s.out = append(s.out, greeting...)
	if s.srv.cfg.Authentication {
		s.print("Authentication required.\n\n")
		if s.srv.LoginTimeout > 0 {
			_ = s.conn.SetReadDeadline(time.Now().Add(s.srv.LoginTimeout))
		}
	} else {
		s.username = "Anonymous"
		s.loggedIn()
	}
	if !s.flush() {
		return
	}
	buf := make([]byte, 2048)
	for !s.quit {
		if s.auth == authDone {
			var dl time.Time
			if s.srv.IdleTimeout > 0 {
				dl = time.Now().Add(s.srv.IdleTimeout)
			}
			_ = s.conn.SetReadDeadline(dl)
		}
		n, err := s.conn.Read(buf)
		for i := 0; i < n && !s.quit; i++ {
			s.event(s.rd.Feed(buf[i]))
		}
		if !s.flush() {
			return
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if s.auth != authDone { // LoginTimeout: a slow client, cut
					s.srv.limit.CountTimeout()
				}
				s.print("\nSession timed out.\n")
				s.flush()
				log.Info("session timed out", "authenticated", s.auth == authDone)
			}
			return
		}
	}
}

// event handles what one input byte completed.
func (s *session) event(ev event) {
	switch ev {
	case evLine:
		line, tooLong := s.rd.Line()
		if s.rd.charMode() {
			s.print("\n")
		}
		if tooLong {
			s.println("Error: line longer than " + strconv.Itoa(MaxLine) + " bytes, ignored")
			s.print(s.prompt)
			return
		}
		s.handleLine(line)
	case evTab:
		if s.auth == authDone {
			s.complete()
		}
	case evInterrupt:
		if s.rd.charMode() {
			s.print("^C")
		}
		s.print("\n" + s.prompt)
	case evEOF:
		if s.auth == authDone && s.inter == nil {
			s.quit = true
		}
	}
}

// handleLine runs one line: a login step or a command.
func (s *session) handleLine(line string) {
	switch s.auth {
	case authUser:
		name := strings.TrimSpace(line)
		if name == "" {
			s.print(s.prompt)
			return
		}
		s.username = name
		s.auth = authPassword
		s.prompt = promptPassword
		s.rd.Mute(true)
		s.print(s.prompt)
	case authPassword:
		s.rd.Mute(false)
		s.login(strings.TrimSpace(line))
	default:
		s.command(line)
		if !s.quit {
			s.print(s.prompt)
		}
	}
}

// login checks the admin credentials.
func (s *session) login(password string) {
	srv := s.srv
	log := srv.log.With("sref", s.ref, "peer", s.conn.RemoteAddr().String())
	if srv.lockedOut(s.host) {
		s.flush()
		time.Sleep(srv.FailDelay)
		s.println("Too many failed logins from your address, try again later.")
		log.Warn("login refused: address locked out")
		s.quit = true
		return
	}
	src, _ := netip.ParseAddr(s.host)
	err := srv.d.Admin.Check(src, s.username, password)
	var refused *authguard.Refused
	if errors.As(err, &refused) {
		s.println("Too many failed logins, try again later.")
		log.Warn("login refused unchecked", "err", err)
		s.quit = true
		return
	}
	if err == nil {
		srv.loginSucceeded(s.host)
		log.Info("authenticated", "username", s.username)
		s.loggedIn()
		return
	}
	s.fails++
	locked := srv.loginFailed(s.host)
	log.Warn("authentication failed", "username", s.username, "attempt", s.fails, "locked_out", locked)
	s.flush()
	time.Sleep(srv.FailDelay)
	s.println("Incorrect Username/Password.")
	if s.fails >= maxLoginAttempts || locked {
		s.println("Too many failed logins, disconnecting.")
		s.quit = true
		return
	}
	s.username = ""
	s.auth = authUser
	s.prompt = promptUsername
	s.print("\n" + s.prompt)
}

// loggedIn shows the banner and the prompt.
func (s *session) loggedIn() {
	s.auth = authDone
	s.prompt = promptMain
	_ = s.conn.SetReadDeadline(time.Time{})
	s.println(Welcome + "\nType help or ? to list commands.\n")
	s.println("Session ref: " + strconv.Itoa(s.ref))
	s.print(s.prompt)
}

// print queues text for the client: the pending echo first, then text
// with its line ends made CR LF and 0xFF bytes escaped.
func (s *session) print(text string) {
	s.out = append(s.out, s.rd.Out...)
	s.rd.Out = s.rd.Out[:0]
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '\n':
			if i == 0 || text[i-1] != '\r' {
				s.out = append(s.out, '\r')
			}
		case tIAC:
			s.out = append(s.out, tIAC)
		}
		s.out = append(s.out, c)
	}
}

func (s *session) println(line string) { s.print(line + "\n") }

func (s *session) lines(ls []string) {
	for _, l := range ls {
		s.println(l)
	}
}

// flush writes what is queued; false when the client is gone.
func (s *session) flush() bool {
	s.print("")
	if len(s.out) == 0 {
		return true
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := s.conn.Write(s.out)
	if cap(s.out) > 64<<10 {
		s.out = nil
	} else {
		s.out = s.out[:0]
	}
	return err == nil
}

// identChar is a character of a command or key name (Jasmin's
// identchars).
func identChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseLine splits a line as Jasmin does: the command is the leading run
// of name characters, the argument the rest; "?" is "help".
func parseLine(line string) (cmd, arg string) {
	if strings.HasPrefix(line, "?") {
		line = "help " + line[1:]
	}
	i := 0
	for i < len(line) && identChar(line[i]) {
		i++
	}
	return line[:i], strings.TrimSpace(line[i:])
}

// command runs one line typed at a prompt.
func (s *session) command(line string) {
	line = strings.TrimSpace(line)
	cmd, arg := parseLine(line)
	if s.inter != nil {
		switch {
		case line == "":
		case cmd == "ko":
			s.endInteraction()
		case cmd == "quit":
			s.println("Exit session before quitting")
		case cmd == "ok":
			if s.inter.save(s) {
				s.endInteraction()
			}
		default:
			s.inter.set(s, cmd, arg)
		}
		return
	}
	if line == "" {
		return
	}
	c := lookupCommand(cmd)
	if c == nil {
		s.println("Incorrect command: " + line + ", type help for a list of commands")
		return
	}
	s.cmdLine = line
	s.srv.log.Debug("command", "sref", s.ref, "cmd", cmd)
	c.exec(s, arg)
}

// audit logs an accepted change.
// change makes one configuration change through the manager (see
// manage.Manager.Do): applied and durable, or nothing changed and the
// error returned. An accepted change is audited.
func (s *session) change(fn func(tx *manage.Tx) error) error {
	if err := s.srv.m.Do(fn); err != nil {
		return err
	}
	s.audit()
	return nil
}

func (s *session) audit() {
	s.srv.log.Info("configuration changed", "sref", s.ref, "peer", s.conn.RemoteAddr().String(), "command", s.cmdLine)
}

// startInteraction opens an add/update session.
func (s *session) startInteraction(in interaction, announcement string) {
	s.inter = in
	s.prompt = promptSession
	s.println(announcement)
}

func (s *session) endInteraction() {
	s.inter = nil
	s.prompt = promptMain
}

// complete handles TAB: it completes the word being typed, or lists the
// choices.
func (s *session) complete() {
	line := s.rd.Peek()
	fields := strings.Fields(line)
	cur := ""
	if len(fields) > 0 && !strings.HasSuffix(line, " ") {
		cur = fields[len(fields)-1]
		fields = fields[:len(fields)-1]
	}
	var matches []string
	for _, c := range s.candidates(fields) {
		if strings.HasPrefix(c, cur) {
			matches = append(matches, c)
		}
	}
	base := line[:len(line)-len(cur)]
	switch len(matches) {
	case 0:
		return
	case 1:
		s.rd.SetLine(base + matches[0] + " ")
		return
	}
	if p := commonPrefix(matches); len(p) > len(cur) {
		s.rd.SetLine(base + p)
		return
	}
	s.print("\n" + strings.Join(matches, " ") + "\n" + s.prompt + line)
}

// candidates are the words that may follow words.
func (s *session) candidates(words []string) []string {
	if s.inter != nil {
		if len(words) == 0 {
			return s.inter.keys()
		}
		if c, ok := s.inter.(completer); ok {
			return c.complete(words)
		}
		return nil
	}
	if len(words) == 0 {
		return commandNames()
	}
	if words[0] == "help" {
		if len(words) == 1 {
			return commandNames()
		}
		return nil
	}
	c := lookupCommand(words[0])
	if c == nil {
		return nil
	}
	var out []string
	for _, o := range c.opts {
		if o.short != "" {
			out = append(out, o.short)
		}
		out = append(out, o.long)
	}
	return out
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
