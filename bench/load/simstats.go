package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SimCounters are the smppsim totals a run compares before and after: the
// "total" object of smppsim's GET /stats.
type SimCounters struct {
	Submits      int64 `json:"submits"`
	SubmitOK     int64 `json:"submit_ok"`
	SubmitErrors int64 `json:"submit_errors"`
	Throttled    int64 `json:"throttled"`
	ReceiptsSent int64 `json:"receipts_sent"`
}

// ParseSimStats reads the body of smppsim's GET /stats.
func ParseSimStats(body []byte) (SimCounters, error) {
	var v struct {
		Total *SimCounters `json:"total"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return SimCounters{}, fmt.Errorf("smppsim stats: %w", err)
	}
	if v.Total == nil {
		return SimCounters{}, fmt.Errorf(`smppsim stats: no "total" object`)
	}
	return *v.Total, nil
}

// FetchSimStats gets and parses url (smppsim's http://host:port/stats).
func FetchSimStats(ctx context.Context, url string) (SimCounters, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return SimCounters{}, fmt.Errorf("smppsim stats %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return SimCounters{}, fmt.Errorf("smppsim stats: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return SimCounters{}, fmt.Errorf("smppsim stats %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return SimCounters{}, fmt.Errorf("smppsim stats %s: HTTP %d", url, resp.StatusCode)
	}
	c, err := ParseSimStats(body)
	if err != nil {
		return SimCounters{}, fmt.Errorf("%s: %w", url, err)
	}
	return c, nil
}

func (c SimCounters) sub(o SimCounters) SimCounters {
	return SimCounters{
		Submits: c.Submits - o.Submits, SubmitOK: c.SubmitOK - o.SubmitOK, SubmitErrors: c.SubmitErrors - o.SubmitErrors,
		Throttled: c.Throttled - o.Throttled, ReceiptsSent: c.ReceiptsSent - o.ReceiptsSent,
	}
}
