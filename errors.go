package rosync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. Implementations of Platform, Store and ROClient wrap these
// with %w so that callers can test them with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist (a Store record,
	// an RO App object, a platform order).
	ErrNotFound = errors.New("rosync: not found")
	// ErrConflict means a write lost a race or would break a uniqueness rule.
	ErrConflict = errors.New("rosync: conflict")
	// ErrUnsupported is errors.ErrUnsupported: a platform returns it from
	// SetStatus when it has no status sync in that direction.
	ErrUnsupported = errors.ErrUnsupported
	// ErrSignature means a webhook was unsigned or wrongly signed (ENG-4).
	ErrSignature = errors.New("rosync: webhook signature missing or invalid")
	// ErrBodyTooLarge means a webhook or API body passed the size limit.
	ErrBodyTooLarge = errors.New("rosync: body too large")
	// ErrCurrencyMismatch means the platform currency differs from RO App's (ORD-4).
	ErrCurrencyMismatch = errors.New("rosync: currency differs from the RO App currency")
)

// RightAddWithoutDeduction is the RO App right that working with synced orders
// needs (ORD-2): "Can add products without deduction".
const RightAddWithoutDeduction = "Can add products without deduction"

// RejectedError says that an order was not transferred because a rule of
// SPEC.md applies. Rule is the rule ID (for example "WOO-2"). A rejected
// order is recorded in the Store with its rule and reason.
type RejectedError struct {
	Rule   string
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("rosync: order rejected (%s): %s", e.Rule, e.Reason)
}

// Reject returns a *RejectedError for rule with a formatted reason.
func Reject(rule, format string, args ...any) *RejectedError {
	return &RejectedError{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// InvalidOrderError says that a platform order could not be decoded or breaks
// a data rule (a negative quantity, a price with too many decimals, a missing
// id). OrderID and Number are set when they could be read. The Syncer keeps
// such an order as rejected under rule ORD-3 with this error's text as reason.
type InvalidOrderError struct {
	OrderID string
	Number  string
	Field   string // the JSON field or domain field at fault, when known
	Err     error
}

func (e *InvalidOrderError) Error() string {
	var b strings.Builder
	b.WriteString("rosync: invalid order")
	if e.OrderID != "" {
		b.WriteString(" " + e.OrderID)
	}
	if e.Field != "" {
		b.WriteString(": field " + e.Field)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *InvalidOrderError) Unwrap() error { return e.Err }

// PermissionError says that RO App refused a call for lack of a right (ORD-2).
// It is permanent: the order is kept as failed until Retry is called after the
// right has been granted.
type PermissionError struct {
	Right string // the RO App right, e.g. RightAddWithoutDeduction
	Err   error  // the underlying *APIError, if any
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("rosync: RO App refused the call: the API key's employee needs the right %q", e.Right)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// APIError is an HTTP error answer of a remote API. Service is "roapp" or a
// platform name; Status is the HTTP status (0 when the API reports errors in
// the body, as Cartum does); Message is the server's message, never a secret.
type APIError struct {
	Service string
	Method  string
	Path    string // path template or function, never a URL with credentials
	Status  int
	Message string
	Err     error // wrapped sentinel (ErrNotFound, ErrConflict) when one applies
}

func (e *APIError) Error() string {
	msg := e.Message
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return fmt.Sprintf("%s: %s %s: HTTP %d: %s", e.Service, e.Method, e.Path, e.Status, msg)
}

func (e *APIError) Unwrap() error { return e.Err }

// RateLimitError is a 429 answer. RetryAfter is zero when the server gave no
// Retry-After.
type RateLimitError struct {
	Service    string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s: rate limited, retry after %s", e.Service, e.RetryAfter)
	}
	return e.Service + ": rate limited"
}

// AmbiguousError wraps an error of a create call whose outcome is unknown:
// the server may have executed it (timeout, 5xx, connection lost after the
// request was sent). The caller must look the object up before creating again.
type AmbiguousError struct{ Err error }

func (e *AmbiguousError) Error() string { return "outcome unknown: " + e.Err.Error() }
func (e *AmbiguousError) Unwrap() error { return e.Err }

// InDoubtError says that an earlier create of What (an order, a contact, a
// product, a category, an item, a comment) had an unknown outcome and RO App
// may still execute it: RO App has no idempotency key, so nothing creates
// that object again, on any replica, before Until (the quarantine,
// Options.Quarantine) and a lookup made after it finds nothing (ENG-1). The
// order stays pending and is retried at Until; Syncer.Failed lists it.
type InDoubtError struct {
	What  string
	Until time.Time
}

func (e *InDoubtError) Error() string {
	return fmt.Sprintf("rosync: an earlier create of the %s may still land in RO App: not repeated before %s",
		e.What, e.Until.UTC().Format(time.RFC3339))
}

// Retryable reports whether err is transient (network, timeout, 5xx, 429,
// ambiguous create, a 2xx answer that is not JSON) so that the order should
// be retried with back-off, as opposed to permanent (rejected, invalid,
// permission, other 4xx), which is kept as failed until the cause is fixed
// (ENG-2).
//
// A malformed answer (a body cut short, a proxy's HTML page, a warning
// printed before the JSON) is transient even when an adapter reports it as
// an *InvalidOrderError, as it does for the answer of GET one order: only a
// well-formed order that breaks a data rule is invalid data (ORD-3).
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var (
		rej  *RejectedError
		inv  *InvalidOrderError
		perm *PermissionError
		rl   *RateLimitError
		amb  *AmbiguousError
		dbt  *InDoubtError
		api  *APIError
		ne   net.Error
	)
	switch {
	case errors.As(err, &rej), errors.As(err, &perm), errors.As(err, new(*SettingError)),
		errors.Is(err, ErrCurrencyMismatch), errors.Is(err, ErrSignature):
		return false
	case malformedAnswer(err):
		return true
	case errors.As(err, &inv):
		return false
	case errors.As(err, &rl), errors.As(err, &amb), errors.As(err, &dbt):
		return true
	case errors.As(err, &api):
		return api.Status == http.StatusRequestTimeout ||
			api.Status == http.StatusTooManyRequests || api.Status >= 500
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return true
	case errors.Is(err, context.Canceled):
		return false
	}
	// Unknown errors (I/O, unexpected EOF) are treated as transient: retrying
	// is safe because every step is idempotent, and dropping is not.
	return true
}

// malformedAnswer reports whether err comes from an answer that is not JSON
// at all (a syntax error, a body cut short): the transport's or the
// server's fault at that moment, not the data's, so it is retried rather
// than rejected. A well-formed answer of the wrong shape (a string where a
// number belongs) is not malformed: that is invalid data. encoding/json
// checks that the whole input is well-formed before it decodes a value, so
// an order element of a list that was parsed cannot give a syntax error:
// only a whole answer can.
func malformedAnswer(err error) bool {
	var syn *json.SyntaxError
	return errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF)
}
