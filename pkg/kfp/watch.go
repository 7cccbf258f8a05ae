package kfp

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// WatchOptions tune Watch.
type WatchOptions struct {
	// MinInterval is the first poll interval and the one used right after a
	// change; zero means 1s.
	MinInterval time.Duration
	// MaxInterval caps the interval, which grows by half after each poll
	// that saw no change; zero means 10s.
	MaxInterval time.Duration
	// MaxErrors is how many polls in a row may fail (after the client's own
	// retries) before Watch gives up; zero means 5.
	MaxErrors int
	// OnUpdate is called with the first answer and with every answer in
	// which the run's or a task's state changed.
	OnUpdate func(*Run)
}

// Watch polls a run until it reaches a terminal state and returns it. The
// interval backs off while nothing changes and resets when something does;
// cancelling ctx stops it.
func (c *Client) Watch(ctx context.Context, id string, o WatchOptions) (*Run, error) {
	if o.MinInterval <= 0 {
		o.MinInterval = time.Second
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = 10 * time.Second
	}
	o.MaxInterval = max(o.MaxInterval, o.MinInterval)
	if o.MaxErrors <= 0 {
		o.MaxErrors = 5
	}
	interval := o.MinInterval
	last, failures := "", 0
	for {
		r, err := c.GetRun(ctx, id)
		switch {
		case err != nil && (ctx.Err() != nil || !retryable(ctx, err)):
			return nil, err
		case err != nil:
			failures++
			if failures >= o.MaxErrors {
				return nil, fmt.Errorf("watching run %s: %d polls in a row failed: %w", id, failures, err)
			}
			c.log.Debug("poll failed, will try again", "run", id, "err", err)
		default:
			failures = 0
			if fp := fingerprint(r); fp != last {
				last = fp
				interval = o.MinInterval
				if o.OnUpdate != nil {
					o.OnUpdate(r)
				}
			} else {
				interval = min(interval+interval/2, o.MaxInterval)
			}
			if r.State.Terminal() {
				return r, nil
			}
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("watching run %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// fingerprint summarises what a watcher shows: the run's state and every
// task's state.
func fingerprint(r *Run) string {
	var b strings.Builder
	b.WriteString(string(r.State))
	for _, t := range r.Tasks() {
		b.WriteString("|")
		b.WriteString(t.TaskID)
		b.WriteString("/")
		b.WriteString(t.DisplayName)
		b.WriteString("=")
		b.WriteString(string(t.State))
	}
	return b.String()
}
