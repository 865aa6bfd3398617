// Command smppsim is an SMSC simulator: bind to it as an ESME, submit, and
// get responses, receipts, MO traffic and the faults you ask for.
//
//	smppsim -listen 127.0.0.1:2776 -stats 127.0.0.1:8076
//
// Flags override the optional TOML file given with -c (see smsc.Config for
// every key).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gwd-project/gwd/smsc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "smppsim:", err)
		os.Exit(1)
	}
}

// run starts the simulator that args describe and runs it until ctx ends
// (SIGINT or SIGTERM, from main).
func run(ctx context.Context, args []string) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	sim, err := smsc.Start(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "smppsim listening on %s", sim.Addr())
	if cfg.TLSCert != "" {
		fmt.Fprint(os.Stderr, " (TLS)")
	}
	if a := sim.StatsAddr(); a != nil {
		fmt.Fprintf(os.Stderr, ", stats on http://%s/stats", a)
	}
	fmt.Fprintln(os.Stderr)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "smppsim:", sim.Stats().Line())
	return sim.Close()
}

// parseConfig reads the flags, and the TOML file -c names, into a Config;
// flags override the file.
func parseConfig(args []string) (smsc.Config, error) {
	var cfg smsc.Config
	fs := flag.NewFlagSet("smppsim", flag.ContinueOnError)
	var (
		cfgPath     = fs.String("c", "", "TOML configuration file (flags override it)")
		listen      = fs.String("listen", "", "SMPP listen address (default "+smsc.DefaultListen+")")
		stats       = fs.String("stats", "", "HTTP stats/control address, e.g. 127.0.0.1:8076 (GET /stats, POST /drop, /mo, /faults, /stall)")
		statsEvery  = fs.Duration("stats-interval", 0, "print a counters line to stderr this often (0: never)")
		systemID    = fs.String("system-id", "", "system_id in bind responses (default smppsim)")
		users       = fs.String("users", "", "accepted credentials, user:password,user2:password2 (default: any)")
		msgID       = fs.String("message-id", "", "message id format: hex, decimal or uuid (default hex)")
		window      = fs.Int("window", 0, "deliver_sm outstanding per bind (default 100)")
		maxPDU      = fs.Int("max-pdu-size", 0, "largest command_length accepted (default 16384)")
		rDelay      = fs.Duration("receipt-delay", 0, "delay before a delivery receipt")
		rDelayMax   = fs.Duration("receipt-delay-max", 0, "with -receipt-delay, a random delay up to this")
		outcomes    = fs.String("outcomes", "", "receipt outcome weights, e.g. DELIVRD=90,UNDELIV=5,EXPIRED=5")
		enroute     = fs.Bool("enroute", false, "send an ENROUTE receipt before the final one")
		errPct      = fs.Float64("error-percent", 0, "percent of submits answered with -error-status")
		errStatus   = fs.String("error-status", "", "status for injected errors (default ESME_RSYSERR)")
		throttle    = fs.Int("throttle", 0, "answer ESME_RTHROTTLED above this many submits/s per bind (0: off)")
		respDelay   = fs.Duration("response-delay", 0, "hold every submit_sm_resp this long")
		noRespPct   = fs.Float64("no-response-percent", 0, "percent of submits never answered")
		dropPct     = fs.Float64("drop-percent", 0, "percent of submits that drop the connection instead")
		moRate      = fs.Float64("mo-rate", 0, "MO messages per second to receiver binds (0: none)")
		moFrom      = fs.String("mo-from", "", "MO source address")
		moTo        = fs.String("mo-to", "", "MO destination address")
		moContent   = fs.String("mo-content", "", "MO content (long content is split)")
		moCoding    = fs.String("mo-coding", "", "MO coding: gsm or ucs2")
		moSplit     = fs.String("mo-split", "", "long MO split: udh or sar")
		elink       = fs.Duration("enquire-link-interval", 0, "send enquire_link after this long idle (default 30s)")
		inactivity  = fs.Duration("inactivity-timeout", 0, "unbind after this long with nothing received (default 300s)")
		respTimeout = fs.Duration("response-timeout", 0, "give up on a deliver_sm response after this long (default 60s)")
		tlsCert     = fs.String("tls-cert", "", "PEM certificate: the SMPP port speaks TLS only (with -tls-key)")
		tlsKey      = fs.String("tls-key", "", "PEM private key of -tls-cert")
		tlsClientCA = fs.String("tls-client-ca", "", "with TLS, PEM CA bundle: require client certificates it signed")
	)
	attempts := fs.Int("deliver-attempts", 0, "send a receipt or MO part this many times, 1 s apart, before giving up (default 5)")
	record := fs.String("record", "", "append a line per accepted submit, acknowledged receipt and MO to this file")
	throttleBinds := fs.Int("throttle-binds", 0, "with -throttle, throttle only the first this many binds accepted (0: all)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		// Parsing stops at the first non-flag: whatever follows, flags
		// included, would be ignored without a word.
		return cfg, fmt.Errorf("unexpected argument %q: smppsim takes only flags", fs.Arg(0))
	}
	if *cfgPath != "" {
		c, err := smsc.LoadConfig(*cfgPath)
		if err != nil {
			return cfg, err
		}
		cfg = c
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	str := func(name string, dst *string, v string) {
		if set[name] {
			*dst = v
		}
	}
	dur := func(name string, dst *smsc.Duration, v time.Duration) {
		if set[name] {
			dst.Duration = v
		}
	}
	str("listen", &cfg.Listen, *listen)
	str("stats", &cfg.Stats, *stats)
	str("record", &cfg.Record, *record)
	str("tls-cert", &cfg.TLSCert, *tlsCert)
	str("tls-key", &cfg.TLSKey, *tlsKey)
	str("tls-client-ca", &cfg.TLSClientCA, *tlsClientCA)
	dur("stats-interval", &cfg.StatsInterval, *statsEvery)
	str("system-id", &cfg.SystemID, *systemID)
	str("message-id", &cfg.MessageID, *msgID)
	str("error-status", &cfg.ErrorStatus, *errStatus)
	str("mo-from", &cfg.MOFrom, *moFrom)
	str("mo-to", &cfg.MOTo, *moTo)
	str("mo-content", &cfg.MOContent, *moContent)
	str("mo-coding", &cfg.MOCoding, *moCoding)
	str("mo-split", &cfg.MOSplit, *moSplit)
	dur("receipt-delay", &cfg.ReceiptDelay, *rDelay)
	dur("receipt-delay-max", &cfg.ReceiptDelayMax, *rDelayMax)
	dur("response-delay", &cfg.ResponseDelay, *respDelay)
	dur("enquire-link-interval", &cfg.EnquireLinkInterval, *elink)
	dur("inactivity-timeout", &cfg.InactivityTimeout, *inactivity)
	dur("response-timeout", &cfg.ResponseTimeout, *respTimeout)
	if set["deliver-attempts"] {
		cfg.DeliverAttempts = *attempts
	}
	if set["window"] {
		cfg.Window = *window
	}
	if set["max-pdu-size"] {
		cfg.MaxPDUSize = *maxPDU
	}
	if set["enroute"] {
		cfg.Enroute = *enroute
	}
	if set["error-percent"] {
		cfg.ErrorPercent = *errPct
	}
	if set["throttle"] {
		cfg.Throttle = *throttle
	}
	if set["throttle-binds"] {
		cfg.ThrottleBinds = *throttleBinds
	}
	if set["no-response-percent"] {
		cfg.NoResponsePercent = *noRespPct
	}
	if set["drop-percent"] {
		cfg.DropPercent = *dropPct
	}
	if set["mo-rate"] {
		cfg.MORate = *moRate
	}
	if set["users"] {
		cfg.Users = map[string]string{}
		for _, up := range strings.Split(*users, ",") {
			u, p, ok := strings.Cut(up, ":")
			if !ok || u == "" {
				return cfg, fmt.Errorf("-users %q: want user:password pairs separated by commas", *users)
			}
			cfg.Users[u] = p
		}
	}
	if set["outcomes"] {
		m, err := smsc.ParseOutcomes(*outcomes)
		if err != nil {
			return cfg, fmt.Errorf("-outcomes: %w", err)
		}
		cfg.Outcomes = m
	}
	return cfg, nil
}
