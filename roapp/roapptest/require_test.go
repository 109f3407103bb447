package roapptest_test

// This file stands in for github.com/stretchr/testify/require, which cannot
// be imported until go.mod lists testify's go.yaml.in/yaml/v3 requirement
// (go.sum already has it). Once it does, delete this file and import
// "github.com/stretchr/testify/require": the calls below have its signatures.

import (
	"fmt"
	"reflect"
	"testing"
)

type requireT struct{}

var require requireT

func msg(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if f, ok := msgAndArgs[0].(string); ok {
		return ": " + fmt.Sprintf(f, msgAndArgs[1:]...)
	}
	return ": " + fmt.Sprint(msgAndArgs...)
}

func (requireT) NoError(t testing.TB, err error, msgAndArgs ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v%s", err, msg(msgAndArgs))
	}
}

func (requireT) Error(t testing.TB, err error, msgAndArgs ...any) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error%s", msg(msgAndArgs))
	}
}

func (requireT) True(t testing.TB, v bool, msgAndArgs ...any) {
	t.Helper()
	if !v {
		t.Fatalf("expected true%s", msg(msgAndArgs))
	}
}

func (requireT) Len(t testing.TB, obj any, n int, msgAndArgs ...any) {
	t.Helper()
	if l := reflect.ValueOf(obj).Len(); l != n {
		t.Fatalf("length %d, want %d%s", l, n, msg(msgAndArgs))
	}
}
