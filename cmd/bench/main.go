package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gwd-project/gwd/bench/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitRun   = 1
	exitUsage = 2
)

const usageText = `bench drives an SMPP server or an HTTP send API and reports throughput,
latency, errors, receipts and loss.

usage:
  bench smpp [flags]   N binds × window W of submit_sm (see bench smpp -h)
  bench http [flags]   C keep-alive clients on /send or /secure/send (see bench http -h)

Every run is bounded by -count and -duration, whichever comes first.
`

// run is the whole command; main adds only the signals and the exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	switch args[0] {
	case "smpp":
		return runSMPP(ctx, args[1:], stdout, stderr)
	case "http":
		return runHTTP(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	fmt.Fprintf(stderr, "bench: unknown mode %q\n\n%s", args[0], usageText)
	return exitUsage
}

// common are the flags both modes share.
type common struct {
	rate        float64
	count       int
	duration    time.Duration
	content     string
	longParts   int
	receiptWait time.Duration
	src         string
	dstPrefix   string
	simStats    string
	jsonPath    string
	progress    time.Duration
}

func (c *common) register(fs *flag.FlagSet, rateUnit string) {
	fs.Float64Var(&c.rate, "rate", 0, rateUnit+" per second over the whole run (0: flat out)")
	fs.IntVar(&c.count, "count", 100000, "messages to send (the run ends at -count or -duration, whichever first)")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "longest send phase")
	fs.StringVar(&c.content, "content", "gsm7", "gsm7, ucs2, long or mix")
	fs.IntVar(&c.longParts, "long-parts", load.DefaultLongParts, "parts of a long message (153 GSM characters each)")
	fs.DurationVar(&c.receiptWait, "receipt-wait", 10*time.Second, "after the last answer, wait up to this for receipts")
	fs.StringVar(&c.src, "src", "1000", "source address")
	fs.StringVar(&c.dstPrefix, "dst-prefix", "336", "destination prefix; eight digits of the message number follow")
	fs.StringVar(&c.simStats, "smppsim-stats", "", "smppsim's stats URL (http://host:port/stats): count what reached it, and the loss")
	fs.StringVar(&c.jsonPath, "json", "", "write the report as JSON to this file (- for stdout; the table then goes to stderr)")
	fs.DurationVar(&c.progress, "progress", time.Second, "progress line on stderr this often (0: none)")
}

// traffic is the shared flags as the run takes them; progress lines go
// to stderr.
func (c *common) traffic(stderr io.Writer) (load.Traffic, error) {
	content, err := load.ParseContent(c.content)
	if err != nil {
		return load.Traffic{}, err
	}
	return load.Traffic{Rate: c.rate, Count: c.count, Duration: c.duration, Content: content, LongParts: c.longParts,
		ReceiptWait: c.receiptWait, Src: c.src, DstPrefix: c.dstPrefix, SimStatsURL: c.simStats,
		Progress: stderr, ProgressInterval: c.progress}, nil
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bench %s [flags]\n\n%s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; it returns the exit status when the command should
// stop there (help asked, or a usage error).
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitUsage, true
	case fs.NArg() > 0:
		fmt.Fprintf(fs.Output(), "bench: unexpected argument %q\n", fs.Arg(0))
		return exitUsage, true
	}
	return 0, false
}

func usageError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "bench: %v\n", err)
	return exitUsage
}

func runSMPP(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("smpp", "Bind -binds ESME sessions to -addr and submit through each with up to\n-window submit_sm outstanding; count the receipts that come back.", stderr)
	var c common
	c.register(fs, "messages")
	var cfg load.SMPPConfig
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:2775", "SMPP server host:port")
	fs.StringVar(&cfg.SystemID, "system-id", "", "bind system_id")
	fs.StringVar(&cfg.Password, "password", "", "bind password")
	fs.StringVar(&cfg.SystemType, "system-type", "", "bind system_type")
	fs.StringVar(&cfg.Bind, "bind", "trx", "trx (transceiver, needed for -receipts) or tx (transmitter)")
	fs.IntVar(&cfg.Binds, "binds", 4, "sessions, each with its own sender")
	fs.IntVar(&cfg.Window, "window", load.DefaultWindow, "submit_sm outstanding per session")
	fs.BoolVar(&cfg.Receipts, "receipts", false, "request receipts (registered_delivery 1) and count them")
	fs.DurationVar(&cfg.ResponseTimeout, "response-timeout", load.DefaultResponseTimeout, "give up on a submit_sm without response after this")
	fs.DurationVar(&cfg.BindTimeout, "bind-timeout", load.DefaultBindTimeout, "give up on a connect or bind after this")
	if code, stop := parse(fs, args); stop {
		return code
	}
	var err error
	if cfg.Traffic, err = c.traffic(stderr); err != nil {
		return usageError(stderr, err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError(stderr, err)
	}
	rep, err := load.RunSMPP(ctx, cfg)
	return finish(rep, err, c.jsonPath, stdout, stderr)
}

func runHTTP(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("http", "Send through -concurrency keep-alive clients to Jasmin's HTTP API (/send) or,\nwith -rest, its RESTful API (/secure/send); collect receipts with -dlr.", stderr)
	var c common
	c.register(fs, "requests")
	var cfg load.HTTPConfig
	var err error
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:1401/send", "send URL")
	fs.StringVar(&cfg.Username, "username", "", "account username")
	fs.StringVar(&cfg.Password, "password", "", "account password")
	fs.BoolVar(&cfg.REST, "rest", false, "use the RESTful API: POST JSON to /secure/send with Basic authorization")
	fs.IntVar(&cfg.Concurrency, "concurrency", load.DefaultConcurrency, "clients, each with one request in flight")
	fs.BoolVar(&cfg.DLR, "dlr", false, "request receipts (dlr=yes …) to a sink served by bench, and count them")
	fs.StringVar(&cfg.DLRListen, "dlr-listen", load.DefaultDLRListen, "address the receipt sink listens on")
	fs.StringVar(&cfg.DLRURL, "dlr-url", "", "dlr-url to give the gateway (default http://<dlr-listen address>/dlr)")
	fs.IntVar(&cfg.DLRLevel, "dlr-level", 3, "1: SMS-C level, 2: terminal level, 3: both (terminal ones are counted)")
	fs.StringVar(&cfg.DLRMethod, "dlr-method", "POST", "GET or POST")
	fs.DurationVar(&cfg.Timeout, "timeout", load.DefaultHTTPTimeout, "give up on a request after this")
	fs.IntVar(&cfg.Usernames, "usernames", 1, "N > 1: every Nth request carries -username, the others a new unknown name each (-username-<request number>)")
	sources := fs.String("source-addrs", "", "local addresses the client sockets bind to, in turn per request: a,b or first-last (127.0.0.2-127.0.0.254)")
	fs.BoolVar(&cfg.Close, "close", false, "a new connection per request (Connection: close) instead of keep-alive")
	if code, stop := parse(fs, args); stop {
		return code
	}
	if cfg.SourceAddrs, err = load.ParseSourceAddrs(*sources); err != nil {
		return usageError(stderr, err)
	}
	if cfg.Traffic, err = c.traffic(stderr); err != nil {
		return usageError(stderr, err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError(stderr, err)
	}
	rep, err := load.RunHTTP(ctx, cfg)
	return finish(rep, err, c.jsonPath, stdout, stderr)
}

// finish writes the report: the table on stdout and the JSON to jsonPath,
// or, with -json -, the JSON on stdout and the table on stderr.
func finish(rep *load.Report, err error, jsonPath string, stdout, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitRun
	}
	table := stdout
	if jsonPath == "-" {
		table = stderr
	}
	if err := rep.WriteTable(table); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitRun
	}
	switch jsonPath {
	case "":
	case "-":
		if err := rep.WriteJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return exitRun
		}
	default:
		if err := writeJSONFile(jsonPath, rep); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return exitRun
		}
	}
	return exitOK
}

func writeJSONFile(path string, rep *load.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("json report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("json report %s: %w", path, err)
	}
	return nil
}
