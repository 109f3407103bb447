package platformkit

// The HTTP helpers that the RO App client and the platform adapters share:
// reading Retry-After, redacting secrets from error texts, and the error of
// a request that failed on the network.

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps what RetryAfter returns: a server asking for more is
// read as asking for a day (callers wait out far less in place anyway).
const MaxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header value: delay seconds (an integer,
// or a decimal such as Shopify's "2.0") or an HTTP date, relative to now (a
// date in the past is 0). ok is false for an empty, negative or unreadable
// value. The result is at most MaxRetryAfter.
func RetryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s < 0 || math.IsNaN(s) {
			return 0, false
		}
		if s >= MaxRetryAfter.Seconds() {
			return MaxRetryAfter, true
		}
		return time.Duration(math.Ceil(s * float64(time.Second))), true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), MaxRetryAfter), true
	}
	return 0, false
}

// Redact replaces every secret of at least four characters found in s by
// "[redacted]".
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// TransportError is a request that failed on the network (after retries);
// Msg is its text, already redacted, and Err the cause, for errors.Is/As.
type TransportError struct {
	Msg string
	Err error
}

func (e *TransportError) Error() string { return e.Msg }
func (e *TransportError) Unwrap() error { return e.Err }
