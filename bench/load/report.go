package load

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run, written as a table (WriteTable) or JSON
// (WriteJSON).
type Report struct {
	// Mode is "smpp" or "http".
	Mode string `json:"mode"`
	// Target is the SMPP address or the HTTP URL driven.
	Target   string   `json:"target"`
	Settings Settings `json:"settings"`

	StartedAt time.Time `json:"started_at"`
	// StopReason says what ended the send phase: "count", "duration",
	// "interrupted" or "connections lost".
	StopReason string `json:"stop_reason"`
	// SendSeconds runs from the first submit to the last response;
	// throughput is measured over it. TotalSeconds adds the wait for
	// receipts and the unbind.
	SendSeconds  float64 `json:"send_seconds"`
	TotalSeconds float64 `json:"total_seconds"`

	// Messages counts what the user asked to send: one per submit (SMPP
	// short content), per concatenated set of parts (SMPP long), per
	// request (HTTP). A message is acknowledged when every part is.
	Messages Counts `json:"messages"`
	// PDUs counts submit_sm. In HTTP mode it is what the gateway should
	// send for the requests: the parts of each message.
	PDUs       Counts     `json:"pdus"`
	Throughput Throughput `json:"throughput"`

	// Errors counts failures by command_status name (SMPP), by HTTP
	// status ("HTTP 403") and by kind: "no_response" (response timeout),
	// "connection_closed", "transport: …" (HTTP client errors).
	Errors map[string]int64 `json:"errors"`
	// ErrorSamples holds the first answer body seen per HTTP error.
	ErrorSamples map[string]string `json:"error_samples,omitempty"`

	SubmitToResp    Latency `json:"submit_to_resp"`
	SubmitToReceipt Latency `json:"submit_to_receipt"`

	Receipts Receipts `json:"receipts"`
	// SMPPSim is present when smppsim's stats URL was given.
	SMPPSim *SimDelta `json:"smppsim,omitempty"`
	// ConnErrors lists binds or clients lost during the run.
	ConnErrors []string `json:"conn_errors,omitempty"`
}

// Settings echoes the run's parameters.
type Settings struct {
	Bind        string  `json:"bind,omitempty"`
	Binds       int     `json:"binds,omitempty"`
	Window      int     `json:"window,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	REST        bool    `json:"rest,omitempty"`
	Usernames   int     `json:"usernames,omitempty"`
	SourceAddrs int     `json:"source_addrs,omitempty"`
	Close       bool    `json:"conn_per_request,omitempty"`
	Rate        float64 `json:"rate"`
	Count       int     `json:"count"`
	Duration    string  `json:"duration"`
	Content     string  `json:"content"`
	LongParts   int     `json:"long_parts"`
	Receipts    bool    `json:"receipts"`
	ReceiptWait string  `json:"receipt_wait"`
}

// Counts of messages or PDUs.
type Counts struct {
	Sent  int64 `json:"sent"`
	Acked int64 `json:"acked"`
	// Failed were answered with an error (or, for messages, had a part
	// that was).
	Failed int64 `json:"failed"`
	// Unanswered got no answer: response timeout, connection lost, HTTP
	// transport error.
	Unanswered int64 `json:"unanswered"`
}

// Throughput over the send phase, of acknowledged messages and PDUs.
type Throughput struct {
	MsgsPerSec float64 `json:"msgs_per_s"`
	PDUsPerSec float64 `json:"pdus_per_s"`
}

// Receipts counts delivery receipts back.
type Receipts struct {
	Requested bool `json:"requested"`
	// Expected is one per acknowledged PDU (SMPP) or request (HTTP).
	Expected int64 `json:"expected"`
	// Received counts final receipts (SMPP) or level-2 callbacks (HTTP).
	Received int64 `json:"received"`
	// Intermediate counts ENROUTE receipts; Level1 HTTP SMS-C level
	// callbacks (dlr-level 1 or 3).
	Intermediate int64 `json:"intermediate"`
	Level1       int64 `json:"level1,omitempty"`
	// MO counts deliver_sm that were not receipts.
	MO int64 `json:"mo,omitempty"`
	// Unmatched receipts carried an id never acknowledged in this run (or
	// repeated one already matched).
	Unmatched int64 `json:"unmatched"`
	// Missing is Expected − Received when positive.
	Missing int64            `json:"missing"`
	ByStat  map[string]int64 `json:"by_stat"`
}

// SimDelta is what smppsim counted during the run.
type SimDelta struct {
	URL    string      `json:"url"`
	Before SimCounters `json:"before"`
	After  SimCounters `json:"after"`
	Delta  SimCounters `json:"delta"`
	// Received is the submits smppsim accepted (submit_ok delta).
	Received int64 `json:"received"`
	// Loss is PDUs acknowledged to us − Received: what a gateway in
	// between acknowledged and did not forward. Negative when smppsim saw
	// more (retries, other traffic).
	Loss int64 `json:"loss"`
}

// finish computes the derived fields.
func (r *Report) finish() {
	if r.SendSeconds > 0 {
		r.Throughput.MsgsPerSec = float64(r.Messages.Acked) / r.SendSeconds
		r.Throughput.PDUsPerSec = float64(r.PDUs.Acked) / r.SendSeconds
	}
	if r.Receipts.Requested && r.Receipts.Expected > r.Receipts.Received {
		r.Receipts.Missing = r.Receipts.Expected - r.Receipts.Received
	}
	if r.SMPPSim != nil {
		r.SMPPSim.Delta = r.SMPPSim.After.sub(r.SMPPSim.Before)
		r.SMPPSim.Received = r.SMPPSim.Delta.SubmitOK
		r.SMPPSim.Loss = r.PDUs.Acked - r.SMPPSim.Received
	}
	if r.Errors == nil {
		r.Errors = map[string]int64{}
	}
	if r.Receipts.ByStat == nil {
		r.Receipts.ByStat = map[string]int64{}
	}
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteTable writes r for people.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	s := r.Settings
	var head string
	if r.Mode == "smpp" {
		head = fmt.Sprintf("bench smpp %s: %d × bind %s, window %d", r.Target, s.Binds, s.Bind, s.Window)
	} else {
		api := "/send"
		if s.REST {
			api = "REST"
		}
		head = fmt.Sprintf("bench http %s (%s): %d clients", r.Target, api, s.Concurrency)
	}
	rate := "flat out"
	if s.Rate > 0 {
		rate = fmt.Sprintf("%g msg/s", s.Rate)
	}
	fmt.Fprintf(w, "%s, rate %s, content %s, receipts %s\n", head, rate, s.Content, yesNo(s.Receipts))
	fmt.Fprintf(w, "stopped by %s; send phase %.3f s, total %.3f s\n\n", r.StopReason, r.SendSeconds, r.TotalSeconds)

	// tabwriter aligns every cell right: pad the names to one width so
	// that they read left-aligned.
	pduHead := "PDUs"
	if r.Mode == "http" {
		pduHead = "parts (expected)"
	}
	fmt.Fprintf(tw, "%-16s\tmessages\t%s\t\n", "", pduHead)
	row := func(name string, a, b any) { fmt.Fprintf(tw, "%-16s\t%v\t%v\t\n", name, a, b) }
	row("sent", r.Messages.Sent, r.PDUs.Sent)
	row("acknowledged OK", r.Messages.Acked, r.PDUs.Acked)
	row("failed", r.Messages.Failed, r.PDUs.Failed)
	row("unanswered", r.Messages.Unanswered, r.PDUs.Unanswered)
	row("throughput /s", fmt.Sprintf("%.1f", r.Throughput.MsgsPerSec), fmt.Sprintf("%.1f", r.Throughput.PDUsPerSec))
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\nerrors\n")
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(tw, "  %-30s\t%d\t", k, r.Errors[k])
			if sample := r.ErrorSamples[k]; sample != "" {
				fmt.Fprintf(tw, "  %s", oneLine(sample, 80))
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintf(tw, "%-16s\tcount\tmin\tp50\tp90\tp99\tp99.9\tmax\tmean\t\n", "latency ms")
	lat := func(name string, l Latency) {
		fmt.Fprintf(tw, "%-16s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n",
			name, l.Count, l.MinMS, l.P50MS, l.P90MS, l.P99MS, l.P999MS, l.MaxMS, l.MeanMS)
	}
	lat("submit→resp", r.SubmitToResp)
	lat("submit→receipt", r.SubmitToReceipt)
	if err := tw.Flush(); err != nil {
		return err
	}

	rc := r.Receipts
	fmt.Fprintf(w, "\nreceipts: requested %s, expected %d, received %d", yesNo(rc.Requested), rc.Expected, rc.Received)
	if len(rc.ByStat) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(rc.ByStat)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, rc.ByStat[k]))
		}
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, ", missing %d, unmatched %d, intermediate %d", rc.Missing, rc.Unmatched, rc.Intermediate)
	if r.Mode == "http" {
		fmt.Fprintf(w, ", level 1 %d", rc.Level1)
	}
	fmt.Fprintln(w)
	if d := r.SMPPSim; d != nil {
		fmt.Fprintf(w, "smppsim: submits +%d, accepted +%d, errors +%d, throttled +%d, receipts sent +%d; loss (PDUs acked − accepted at smppsim) %d\n",
			d.Delta.Submits, d.Delta.SubmitOK, d.Delta.SubmitErrors, d.Delta.Throttled, d.Delta.ReceiptsSent, d.Loss)
	}
	for _, e := range r.ConnErrors {
		fmt.Fprintf(w, "lost: %s\n", e)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
