package smsc

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// faults are the injected faults that can change while the simulator
// runs (POST /faults, Sim.SetFaults): they start as the Config says.
type faults struct {
	dropPercent       float64
	noResponsePercent float64
	throttle          int
	responseDelay     time.Duration
}

// Faults is a change to the running faults: nil fields stay as they are.
type Faults struct {
	DropPercent       *float64
	NoResponsePercent *float64
	Throttle          *int // with Config.ThrottleBinds as at start
	ResponseDelay     *time.Duration
}

// SetFaults changes the faults applied from the next submit on.
func (sim *Sim) SetFaults(c Faults) error {
	sim.faultsMu.Lock()
	defer sim.faultsMu.Unlock()
	f := *sim.faults.Load()
	if c.DropPercent != nil {
		f.dropPercent = *c.DropPercent
	}
	if c.NoResponsePercent != nil {
		f.noResponsePercent = *c.NoResponsePercent
	}
	if c.Throttle != nil {
		f.throttle = *c.Throttle
	}
	if c.ResponseDelay != nil {
		f.responseDelay = *c.ResponseDelay
	}
	if f.dropPercent < 0 || f.dropPercent > 100 || f.noResponsePercent < 0 || f.noResponsePercent > 100 {
		return fmt.Errorf("drop_percent and no_response_percent: want 0 to 100")
	}
	if f.throttle < 0 || f.responseDelay < 0 {
		return fmt.Errorf("throttle and response_delay must not be negative")
	}
	sim.faults.Store(&f)
	return nil
}

// Stall makes the simulator stop reading SMPP for d: a request that
// arrives meanwhile holds its connection's event loop (and so every
// connection that loop serves) until the stall ends, as an SMSC whose
// process hangs. It returns the time the stall ends.
func (sim *Sim) Stall(d time.Duration) time.Time {
	until := time.Now().Add(d)
	sim.stallUntil.Store(until.UnixNano())
	sim.total.Stalls.Add(1)
	return until
}

// stalled holds the caller until a stall ends.
func (sim *Sim) stalled() {
	if d := time.Duration(sim.stallUntil.Load() - time.Now().UnixNano()); d > 0 {
		time.Sleep(d)
	}
}

// parseFaults reads POST /faults's form: drop_percent, no_response_percent,
// throttle, response_delay (a Go duration).
func parseFaults(form url.Values) (Faults, error) {
	var c Faults
	for _, k := range []string{"drop_percent", "no_response_percent"} {
		if v := form.Get(k); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return c, fmt.Errorf("%s %q: %w", k, v, err)
			}
			if k == "drop_percent" {
				c.DropPercent = &f
			} else {
				c.NoResponsePercent = &f
			}
		}
	}
	if v := form.Get("throttle"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("throttle %q: %w", v, err)
		}
		c.Throttle = &n
	}
	if v := form.Get("response_delay"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("response_delay %q: %w", v, err)
		}
		c.ResponseDelay = &d
	}
	return c, nil
}
