package jcli

import (
	"strings"
)

// command is one jCli command: its help line, its options and what it
// does with them.
type command struct {
	name string
	doc  string
	opts []option
	// actions are tried in order: the first whose option is given runs
	// (Jasmin's if/elif chains); none given is "Missing required option".
	actions []action
	// run, when set, takes the raw argument instead (help, quit, persist,
	// load).
	run func(s *session, arg string)
}

type action struct {
	opt string // option name
	do  func(s *session, o opts)
}

// exec parses the arguments and runs the command.
func (c *command) exec(s *session, arg string) {
	if c.run != nil {
		c.run(s, arg)
		return
	}
	o, err := parseOpts(c.opts, arg)
	if err != nil {
		s.println(err.Error())
		s.println(formatHelp(c.name, c.opts))
		return
	}
	for _, a := range c.actions {
		if o.has(a.opt) {
			a.do(s, o)
			return
		}
	}
	s.println("Missing required option")
}

// commandOrder is the order of `help` and of TAB on an empty line.
var commandOrder = []string{"persist", "load", "user", "group", "filter", "mointerceptor", "mtinterceptor",
	"morouter", "mtrouter", "smppccm", "httpccm", "stats"}

var baseCommands = []string{"quit", "help"}

var commands map[string]*command

func init() {
	profile := []option{{short: "-p", long: "--profile", metavar: "PROFILE", def: DefaultProfile,
		help: "Configuration profile, default: " + DefaultProfile}}
	list := []*command{
		{name: "persist", doc: "Persist current configuration profile to disk in PROFILE", opts: profile,
			run: func(s *session, arg string) { s.persistOrLoad(profile, arg, true) }},
		{name: "load", doc: "Load configuration PROFILE profile from disk", opts: profile,
			run: func(s *session, arg string) { s.persistOrLoad(profile, arg, false) }},
		userCommand(),
		groupCommand(),
		filterCommand(),
		interceptors(moDir).commandDef(),
		interceptors(mtDir).commandDef(),
		routes(moDir).commandDef(),
		routes(mtDir).commandDef(),
		smppccmCommand(),
		httpccmCommand(),
		statsCommand(),
		{name: "quit", doc: "Disconnect from console", run: func(s *session, _ string) { s.quit = true }},
		{name: "help", doc: `List available commands with "help" or detailed help with "help cmd".`,
			run: func(s *session, arg string) { s.help(arg) }},
	}
	commands = make(map[string]*command, len(list))
	for _, c := range list {
		commands[c.name] = c
	}
}

func lookupCommand(name string) *command { return commands[name] }

// commandNames lists every command, base commands last.
func commandNames() []string {
	return append(append([]string(nil), commandOrder...), baseCommands...)
}

// help is `help` and `help cmd`.
func (s *session) help(arg string) {
	if arg != "" {
		c := lookupCommand(arg)
		if c == nil {
			s.println("*** No help on " + arg)
			return
		}
		text := c.doc
		if len(c.opts) > 0 {
			text += "\n" + formatHelp(c.name, c.opts)
		}
		s.println(text)
		return
	}
	var b strings.Builder
	section := func(title string, names []string) {
		b.WriteString(title + "\n" + strings.Repeat("=", len(title)))
		for _, n := range names {
			b.WriteString("\n" + pad(n, 20) + commands[n].doc)
		}
	}
	section("Available commands:", commandOrder)
	b.WriteString("\n\n")
	section("Control commands:", baseCommands)
	s.println(b.String())
}
