package rosync

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// ROBranch is a location (branch) of the RO App account (GET
// /company/locations), the kind of id Settings.BranchID holds.
type ROBranch struct {
	ID   int64
	Name string
}

// ROOrderType is an order type of the RO App account (GET /orders/types),
// the kind of id Settings.OrderTypeID holds.
type ROOrderType struct {
	ID   int64
	Name string
}

// EmployeeLister is an optional capability of an ROClient: listing the
// account's employees. Connect uses it to check Settings.AssigneeID, so
// that a wrong id fails once, clearly, instead of failing every order.
type EmployeeLister interface {
	// Employees lists the account's employees.
	Employees(ctx context.Context) ([]ROEmployee, error)
}

// BranchLister is an optional capability of an ROClient: listing the
// account's locations. Connect uses it to check Settings.BranchID: RO App
// refuses an order in a location it does not have, so a wrong id would
// fail every order.
type BranchLister interface {
	// Branches lists the account's locations.
	Branches(ctx context.Context) ([]ROBranch, error)
}

// OrderTypeLister is an optional capability of an ROClient: listing the
// account's order types. Connect uses it to check Settings.OrderTypeID:
// RO App refuses an order of a type it does not have.
type OrderTypeLister interface {
	// OrderTypes lists the account's order types.
	OrderTypes(ctx context.Context) ([]ROOrderType, error)
}

// SettingOption is one id the RO App account has for a setting, with its
// name, as a SettingError lists them.
type SettingOption struct {
	ID   int64
	Name string
}

// SettingError says that a setting names nothing in the RO App account (or
// is not set), so that every order would fail: Connect returns it, once,
// instead. Setting is the Settings field ("BranchID", "OrderTypeID",
// "AssigneeID"), Value its value (0: not set), Kind what it must name
// ("location", "order type", "employee") and Options the ids the account
// has (the first ten), to choose from. It is permanent: fix the setting.
type SettingError struct {
	Setting string
	Value   int64
	Kind    string
	Options []SettingOption
	// Why says what RO App does with the setting, for the message.
	Why string
}

// maxOptions is how many ids a SettingError lists.
const maxOptions = 10

func (e *SettingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rosync: settings: %s ", e.Setting)
	if e.Value == 0 {
		b.WriteString("is not set")
	} else {
		fmt.Fprintf(&b, "%d is no %s of the RO App account", e.Value, e.Kind)
	}
	if e.Why != "" {
		b.WriteString(": " + e.Why)
	}
	if len(e.Options) > 0 {
		fmt.Fprintf(&b, "; the account's %ss: ", e.Kind)
		for i, o := range e.Options {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d (%s)", o.ID, o.Name)
		}
	}
	return b.String()
}

// checkSettings checks the RO App ids of the settings against the account,
// where the ROClient can list them.
func (s *Syncer) checkSettings(ctx context.Context) error {
	if err := s.checkAssignee(ctx); err != nil {
		return err
	}
	if l, ok := s.ro.(BranchLister); ok {
		err := s.checkID(ctx, "BranchID", s.settings.BranchID, "location", "RO App creates every order in a location",
			func(ctx context.Context) ([]SettingOption, error) {
				bs, err := l.Branches(ctx)
				out := make([]SettingOption, len(bs))
				for i, b := range bs {
					out[i] = SettingOption(b)
				}
				return out, err
			})
		if err != nil {
			return err
		}
	}
	if l, ok := s.ro.(OrderTypeLister); ok {
		err := s.checkID(ctx, "OrderTypeID", s.settings.OrderTypeID, "order type", "RO App requires it on every order, and it gives the first status (SHO-3)",
			func(ctx context.Context) ([]SettingOption, error) {
				ts, err := l.OrderTypes(ctx)
				out := make([]SettingOption, len(ts))
				for i, t := range ts {
					out[i] = SettingOption(t)
				}
				return out, err
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkID checks one id setting against the list the account gives.
//
// The answers of GET company/locations and GET orders/types are
// UNVERIFIED in shape (package roapp reads them leniently), so the check
// can only refuse a setting on a list it could read: an answer that could
// not be read (not served, refused, of another shape) or that lists
// nothing is logged at warn level and the setting is left to the orders
// themselves, which fail and are kept, as without the check. Only a
// transient failure (network, 5xx, 429, 401, the context) fails Connect,
// to be called again.
func (s *Syncer) checkID(ctx context.Context, setting string, value int64, kind, why string,
	list func(context.Context) ([]SettingOption, error)) error {
	opts, err := list(ctx)
	if err != nil {
		if checkFatal(err) {
			return fmt.Errorf("rosync: list the RO App account's %ss (for Settings.%s): %w", kind, setting, err)
		}
		s.log.WarnContext(ctx, "RO App setting not checked: its list could not be read", "setting", setting, "err", err)
		return nil
	}
	known := opts[:0:0]
	for _, o := range opts {
		if o.ID == value && value != 0 {
			return nil
		}
		if o.ID != 0 {
			known = append(known, o)
		}
	}
	if len(known) == 0 {
		s.log.WarnContext(ctx, "RO App setting not checked: the account's list read empty", "setting", setting)
		return nil
	}
	return &SettingError{Setting: setting, Value: value, Kind: kind, Why: why, Options: known[:min(len(known), maxOptions)]}
}

// checkFatal reports whether a failure to list an account's settings is
// one that Connect returns: a transient one, or a refused API key.
func checkFatal(err error) bool {
	var (
		rl  *RateLimitError
		api *APIError
		ne  net.Error
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &rl), errors.As(err, &ne):
		return true
	case errors.As(err, &api):
		return api.Status == http.StatusUnauthorized || api.Status == http.StatusRequestTimeout ||
			api.Status == http.StatusTooManyRequests || api.Status >= 500
	}
	return false
}

// checkAssignee checks Settings.AssigneeID: RO App requires an assignee on
// every order item, so an unset or unknown one would fail every order.
func (s *Syncer) checkAssignee(ctx context.Context) error {
	l, ok := s.ro.(EmployeeLister)
	if s.settings.AssigneeID != 0 && !ok {
		return nil
	}
	var known []SettingOption
	if ok {
		emps, err := l.Employees(ctx)
		if err != nil {
			return fmt.Errorf("rosync: list RO App employees (for Settings.AssigneeID): %w", err)
		}
		for _, e := range emps {
			if e.ID == s.settings.AssigneeID {
				return nil
			}
			if len(known) < maxOptions {
				known = append(known, SettingOption(e))
			}
		}
	}
	return &SettingError{Setting: "AssigneeID", Value: s.settings.AssigneeID, Kind: "employee",
		Why: "RO App requires an assignee on every order item", Options: known}
}
