package roapp

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/rosync/rosync"
)

var _ rosync.ROClock = (*Client)(nil)

// serverClock is RO App's clock as the Date headers of its answers show
// it (RFC 9110 §6.6.1: an origin server with a clock sends Date in every
// answer), with when on the client's clock it was seen.
type serverClock struct {
	mu   sync.Mutex
	date time.Time // the latest Date header
	seen time.Time // when it was seen (Client.now)
}

// sawDate notes the Date header of an answer, if it has a readable one.
func (c *Client) sawDate(h http.Header) {
	v := h.Get("Date")
	if v == "" {
		return
	}
	d, err := http.ParseTime(v)
	if err != nil {
		return
	}
	c.clock.mu.Lock()
	c.clock.date, c.clock.seen = d.UTC(), c.now()
	c.clock.mu.Unlock()
}

// Now returns RO App's time now (rosync.ROClock): the Date header of the
// latest answer plus the time passed since on the client's clock; when no
// answer carried a Date yet it reads GET orders/statuses (a small read) to
// get one. The Date header has whole seconds. An error means no answer
// had a readable Date: the caller falls back on its own clock.
func (c *Client) Now(ctx context.Context) (time.Time, error) {
	c.clock.mu.Lock()
	date, seen := c.clock.date, c.clock.seen
	c.clock.mu.Unlock()
	if date.IsZero() {
		if _, err := c.do(ctx, call{ep: EndpointStatuses}); err != nil {
			return time.Time{}, err
		}
		c.clock.mu.Lock()
		date, seen = c.clock.date, c.clock.seen
		c.clock.mu.Unlock()
		if date.IsZero() {
			return time.Time{}, errNoDate
		}
	}
	return date.Add(c.now().Sub(seen)), nil
}

// errNoDate is Now's error when RO App's answers carry no Date header.
var errNoDate = errors.New("roapp: RO App's answers carry no Date header")
