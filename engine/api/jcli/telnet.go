package jcli

import "unicode/utf8"

// Telnet commands and options (RFC 854, 857, 858, 1073, 1184).
const (
	tSE   = 240
	tNOP  = 241
	tDM   = 242
	tBRK  = 243
	tIP   = 244
	tAO   = 245
	tAYT  = 246
	tEC   = 247
	tEL   = 248
	tGA   = 249
	tSB   = 250
	tWILL = 251
	tWONT = 252
	tDO   = 253
	tDONT = 254
	tIAC  = 255

	optEcho     = 1
	optSGA      = 3
	optNAWS     = 31
	optLinemode = 34

	lmMode    = 1    // LINEMODE MODE subnegotiation
	lmTrapSig = 0x02 // MODE mask: the client traps signals; no EDIT
)

// MaxLine is the longest line a session accepts, in bytes. A longer line
// is dropped as a whole and answered with an error.
const MaxLine = 4096

// greeting is what the server sends first, as Jasmin does: it asks for
// LINEMODE, NAWS and SGA and offers to echo.
var greeting = []byte{tIAC, tDO, optLinemode, tIAC, tDO, optNAWS, tIAC, tDO, optSGA, tIAC, tWILL, optEcho}

// event is what one input byte completes.
type event uint8

const (
	evNone      event = iota
	evLine            // a line ended: Line() has it
	evTab             // TAB in character mode: complete Line()
	evInterrupt       // ^C or IAC IP: the line was dropped
	evEOF             // ^D on an empty line
)

// Parser states.
const (
	stData = iota
	stIAC
	stWill
	stWont
	stDo
	stDont
	stSB
	stSBIAC
	stESC // after ESC
	stCSI // inside ESC [ … or ESC O …
)

// Option negotiation state, one per option and side.
const (
	qNo = iota
	qYes
	qWant // we asked, no answer yet
)

// lineReader decodes a telnet client's bytes into lines. It answers
// option negotiation, and in character mode (the client let the server
// echo) it edits the line and produces the echo. Replies and echo
// accumulate in Out, which the session writes and resets. It does no I/O,
// so that it can be fuzzed.
type lineReader struct {
	Out []byte

	state   uint8
	line    []byte
	tooLong bool
	skipLF  bool // a CR ended the last line: drop a following LF or NUL
	mute    bool // do not echo (password)

	us  [256]uint8 // our side: WILL state per option
	him [256]uint8 // the client's side: DO state per option
}

// newLineReader returns a reader in the state the greeting leaves: the
// server has asked for LINEMODE, NAWS, SGA and offered ECHO.
func newLineReader() *lineReader {
	r := &lineReader{}
	r.him[optLinemode], r.him[optNAWS], r.him[optSGA] = qWant, qWant, qWant
	r.us[optEcho] = qWant
	return r
}

// charMode reports whether the client accepted our echo: the server then
// echoes and edits the line.
func (r *lineReader) charMode() bool { return r.us[optEcho] == qYes }

// Line returns the line read so far and starts a new one; tooLong reports
// that it overflowed MaxLine (its content is then a prefix).
func (r *lineReader) Line() (line string, tooLong bool) {
	line, tooLong = string(r.line), r.tooLong
	r.line, r.tooLong = r.line[:0], false
	return line, tooLong
}

// Peek returns the current line without consuming it.
func (r *lineReader) Peek() string { return string(r.line) }

// SetLine replaces the current line (TAB completion) and echoes the
// difference when the new line extends the old one.
func (r *lineReader) SetLine(s string) {
	old := r.line
	if len(s) >= len(old) && s[:len(old)] == string(old) {
		r.echo([]byte(s[len(old):]))
	}
	r.line = append(r.line[:0], s...)
	if len(r.line) > MaxLine {
		r.line = r.line[:MaxLine]
	}
}

// Mute stops (or resumes) echoing typed characters.
func (r *lineReader) Mute(on bool) { r.mute = on }

func (r *lineReader) echo(b []byte) {
	if r.charMode() && !r.mute {
		for _, c := range b {
			if c == tIAC {
				r.Out = append(r.Out, tIAC)
			}
			r.Out = append(r.Out, c)
		}
	}
}

func (r *lineReader) add(c byte) {
	if len(r.line) >= MaxLine {
		r.tooLong = true
		return
	}
	r.line = append(r.line, c)
	r.echo([]byte{c})
}

// eraseRune removes the last character (a whole UTF-8 sequence).
func (r *lineReader) eraseRune() {
	if len(r.line) == 0 {
		return
	}
	_, n := utf8.DecodeLastRune(r.line)
	r.line = r.line[:len(r.line)-n]
	if r.charMode() && !r.mute {
		r.Out = append(r.Out, '\b', ' ', '\b')
	}
}

// dropLine forgets the line without erasing it on the screen (^C).
func (r *lineReader) dropLine() { r.line, r.tooLong = r.line[:0], false }

func (r *lineReader) eraseLine() {
	for len(r.line) > 0 {
		r.eraseRune()
	}
	r.tooLong = false
}

// Feed consumes one byte from the client.
func (r *lineReader) Feed(c byte) event {
	switch r.state {
	case stIAC:
		return r.command(c)
	case stWill, stWont, stDo, stDont:
		r.negotiate(r.state, c)
		r.state = stData
		return evNone
	case stSB:
		if c == tIAC {
			r.state = stSBIAC
		}
		return evNone
	case stSBIAC:
		switch c {
		case tSE:
			r.state = stData
		case tIAC: // an escaped 0xFF inside the subnegotiation
			r.state = stSB
		default: // a malformed subnegotiation: resynchronise on the command
			r.state = stIAC
			return r.command(c)
		}
		return evNone
	case stESC:
		if c == '[' || c == 'O' {
			r.state = stCSI
		} else {
			r.state = stData
		}
		return evNone
	case stCSI:
		if c >= 0x40 && c <= 0x7e {
			r.state = stData
		}
		return evNone
	}
	// stData
	if r.skipLF {
		r.skipLF = false
		if c == '\n' || c == 0 {
			return evNone
		}
	}
	switch {
	case c == tIAC:
		r.state = stIAC
		return evNone
	case c == '\r':
		r.skipLF = true
		return evLine
	case c == '\n':
		return evLine
	case c == '\t':
		if r.charMode() {
			return evTab
		}
		r.add(' ')
	case c == 0x7f || c == '\b':
		r.eraseRune()
	case c == 0x03: // ^C
		r.dropLine()
		return evInterrupt
	case c == 0x04: // ^D
		if len(r.line) == 0 {
			return evEOF
		}
	case c == 0x15: // ^U
		r.eraseLine()
	case c == 0x1b:
		r.state = stESC
	case c < 0x20: // other control characters: ignored
	default:
		r.add(c)
	}
	return evNone
}

// command handles the byte after IAC.
func (r *lineReader) command(c byte) event {
	r.state = stData
	switch c {
	case tIAC: // an escaped 0xFF data byte
		r.add(c)
	case tWILL:
		r.state = stWill
	case tWONT:
		r.state = stWont
	case tDO:
		r.state = stDo
	case tDONT:
		r.state = stDont
	case tSB:
		r.state = stSB
	case tIP, tBRK:
		r.dropLine()
		return evInterrupt
	case tEC:
		r.eraseRune()
	case tEL:
		r.eraseLine()
	}
	// NOP, DM, AO, AYT, GA, SE out of place: nothing to do.
	return evNone
}

func (r *lineReader) reply(verb, opt byte) { r.Out = append(r.Out, tIAC, verb, opt) }

// negotiate answers WILL/WONT/DO/DONT opt without ever answering a
// reply (RFC 1143's rule against loops): a request that confirms what we
// asked, or the state we are in, gets no answer.
func (r *lineReader) negotiate(verb uint8, opt byte) {
	switch verb {
	case stDo: // the client asks us to enable opt
		if opt != optEcho && opt != optSGA {
			r.reply(tWONT, opt)
			return
		}
		switch r.us[opt] {
		case qWant:
			r.us[opt] = qYes
		case qNo:
			r.us[opt] = qYes
			r.reply(tWILL, opt)
		}
	case stDont:
		switch r.us[opt] {
		case qWant:
			r.us[opt] = qNo
		case qYes:
			r.us[opt] = qNo
			r.reply(tWONT, opt)
		}
	case stWill: // the client offers to enable opt on its side
		if opt != optLinemode && opt != optNAWS && opt != optSGA {
			r.reply(tDONT, opt)
			return
		}
		switch r.him[opt] {
		case qWant:
			r.him[opt] = qYes
		case qNo:
			r.him[opt] = qYes
			r.reply(tDO, opt)
		default:
			return
		}
		if opt == optLinemode {
			// Character at a time: no local editing, signals trapped
			// into IAC IP (Jasmin's console asks the same).
			r.Out = append(r.Out, tIAC, tSB, optLinemode, lmMode, lmTrapSig, tIAC, tSE)
		}
	case stWont:
		switch r.him[opt] {
		case qWant:
			r.him[opt] = qNo
		case qYes:
			r.him[opt] = qNo
			r.reply(tDONT, opt)
		}
	}
}
