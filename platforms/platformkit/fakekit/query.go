package fakekit

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ParamError is a query parameter a fake refuses: not an integer in
// [Min, Max] (IntParam, PageQuery), or not one of Want (Expect). The fake
// answers it in its platform's error shape, naming Param.
type ParamError struct {
	// Param is the parameter's name; Value the value received ("" when
	// absent).
	Param, Value string
	// Min and Max bound an integer (Max 0: no upper bound).
	Min, Max int
	// Want lists the values served, for Expect.
	Want []string
}

// Error says what the parameter must be, in WordPress's wording of the
// same rules (rest_validate_value_from_schema): "per_page must be between
// 1 (inclusive) and 100 (inclusive)", "page must be greater than or equal
// to 1"; for Expect, "display must be one of full".
func (e *ParamError) Error() string {
	switch {
	case len(e.Want) > 0:
		return fmt.Sprintf("%s must be one of %s", e.Param, strings.Join(e.Want, ", "))
	case e.Max > 0:
		return fmt.Sprintf("%s must be between %d (inclusive) and %d (inclusive)", e.Param, e.Min, e.Max)
	default:
		return fmt.Sprintf("%s must be greater than or equal to %d", e.Param, e.Min)
	}
}

// List returns the values of the list parameter name, sent as name[] (PHP
// and Rails style) or as name, repeated: those of name[] first.
func List(q url.Values, name string) []string {
	return append(slices.Clone(q[name+"[]"]), q[name]...)
}

// Expect checks that the parameter name of q has one of the values want
// (exactly, case included): a fake serves only what the adapter must ask
// for, so that an adapter that leaves a parameter to a default, or sends a
// value the fake does not model, is refused here rather than misread on a
// shop. An absent parameter is refused unless want holds "".
func Expect(q url.Values, name string, want ...string) error {
	v := q.Get(name)
	if slices.Contains(want, v) {
		return nil
	}
	return &ParamError{Param: name, Value: v, Want: want}
}
