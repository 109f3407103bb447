package shopifytest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// This file parses the subset of GraphQL that an Admin API client sends:
// one query or mutation operation (named or not, with variable
// definitions), fields with aliases, arguments (variables, strings, numbers,
// enums, booleans, null, lists and objects), nested selection sets and
// inline fragments with a type condition (... on BulkOperation { … }).
// Named fragments and directives are refused: the fake is strict so that a
// client query it cannot read fails loudly instead of being answered
// wrongly.

// field is a selected field.
type field struct {
	alias string // "" when none
	name  string
	args  map[string]any // resolved against the variables
	sel   []*field       // nil for a scalar or enum field
	// on is the type condition of the inline fragment the field was
	// selected in ("" outside fragments): the field is answered only on
	// an object of that type.
	on string
	// pos is the byte offset of the field in the document.
	pos int
}

// key is the response key of the field.
func (f *field) key() string {
	if f.alias != "" {
		return f.alias
	}
	return f.name
}

// child returns the first selected subfield named name.
func (f *field) child(name string) *field {
	for _, c := range f.sel {
		if c.name == name {
			return c
		}
	}
	return nil
}

// intArg returns an integer argument, with def when absent.
func (f *field) intArg(name string, def int) (int, error) {
	v, ok := f.args[name]
	if !ok || v == nil {
		return def, nil
	}
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.Atoi(n.String())
		if err != nil {
			return 0, fmt.Errorf("argument %s of %s: %s is not an Int", name, f.name, n)
		}
		return i, nil
	}
	return 0, fmt.Errorf("argument %s of %s: want an Int, got %T", name, f.name, v)
}

// stringArg returns a string or enum argument; ok is false when absent or null.
func (f *field) stringArg(name string) (string, bool, error) {
	v, ok := f.args[name]
	if !ok || v == nil {
		return "", false, nil
	}
	switch s := v.(type) {
	case string:
		return s, true, nil
	case enumValue:
		return string(s), true, nil
	}
	return "", false, fmt.Errorf("argument %s of %s: want a String, got %T", name, f.name, v)
}

// boolArg returns a Boolean argument, false when absent.
func (f *field) boolArg(name string) (bool, error) {
	v, ok := f.args[name]
	if !ok || v == nil {
		return false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, fmt.Errorf("argument %s of %s: want a Boolean, got %T", name, f.name, v)
	}
	return b, nil
}

// enumValue is an enum literal (CREATED_AT); variables carry enums as strings.
type enumValue string

// The operation types parseOperation returns.
const (
	opQuery    = "query"
	opMutation = "mutation"
)

// parseOperation parses a query document and resolves its arguments against
// vars. It returns the operation type (opQuery or opMutation) and the root
// selection.
func parseOperation(src string, vars map[string]any) (string, []*field, error) {
	op, _, sel, err := parseNamedOperation(src, vars)
	return op, sel, err
}

// parseNamedOperation is parseOperation that also returns the operation's
// name ("" when anonymous).
func parseNamedOperation(src string, vars map[string]any) (op, name string, sel []*field, err error) {
	op, name, sel, err = parseDoc(src, vars)
	return
}

func parseDoc(src string, vars map[string]any) (string, string, []*field, error) {
	p := &parser{lx: lexer{src: src}, vars: vars}
	if err := p.next(); err != nil {
		return "", "", nil, err
	}
	op, name := opQuery, ""
	if p.tok.kind == tokName {
		switch p.tok.text {
		case opQuery, opMutation:
			op = p.tok.text
			if err := p.next(); err != nil {
				return "", "", nil, err
			}
			if p.tok.kind == tokName {
				name = p.tok.text
				if err := p.next(); err != nil {
					return "", "", nil, err
				}
			}
			if p.is("(") {
				if err := p.varDefs(); err != nil {
					return "", "", nil, err
				}
			}
		case "subscription":
			return "", "", nil, fmt.Errorf("%s operations are not served by this fake", p.tok.text)
		default:
			return "", "", nil, fmt.Errorf("unexpected %q at the start of the document", p.tok.text)
		}
	}
	sel, err := p.selectionSet()
	if err != nil {
		return "", "", nil, err
	}
	if p.tok.kind != tokEOF {
		return "", "", nil, fmt.Errorf("unexpected %q after the operation (one operation per document)", p.tok.text)
	}
	return op, name, sel, nil
}

type parser struct {
	lx   lexer
	tok  token
	vars map[string]any
}

func (p *parser) next() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) is(punct string) bool { return p.tok.kind == tokPunct && p.tok.text == punct }

func (p *parser) expect(punct string) error {
	if !p.is(punct) {
		return fmt.Errorf("expected %q at offset %d, got %q", punct, p.tok.pos, p.tok.text)
	}
	return p.next()
}

// varDefs skips "($a: Type = default, …)"; the types are not checked.
func (p *parser) varDefs() error {
	depth := 0
	for {
		switch {
		case p.tok.kind == tokEOF:
			return fmt.Errorf("unterminated variable definitions")
		case p.is("("):
			depth++
		case p.is(")"):
			depth--
			if depth == 0 {
				return p.next()
			}
		}
		if err := p.next(); err != nil {
			return err
		}
	}
}

func (p *parser) selectionSet() ([]*field, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var out []*field
	for !p.is("}") {
		if p.tok.kind == tokEOF {
			return nil, fmt.Errorf("unterminated selection set")
		}
		if p.is("...") {
			frag, err := p.inlineFragment()
			if err != nil {
				return nil, err
			}
			out = append(out, frag...)
			continue
		}
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty selection set")
	}
	return out, p.next()
}

// inlineFragment reads "... on Type { … }" and returns its fields, each
// with the type condition. Named fragment spreads are refused.
func (p *parser) inlineFragment() ([]*field, error) {
	pos := p.tok.pos
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokName || p.tok.text != "on" {
		return nil, fmt.Errorf("fragments other than inline ones with a type condition are not served by this fake (offset %d)", pos)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokName {
		return nil, fmt.Errorf("expected a type name after \"on\" at offset %d", p.tok.pos)
	}
	typ := p.tok.text
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.is("@") {
		return nil, fmt.Errorf("directives are not served by this fake (fragment on %s)", typ)
	}
	sel, err := p.selectionSet()
	if err != nil {
		return nil, err
	}
	for _, f := range sel {
		if f.on != "" && f.on != typ {
			return nil, fmt.Errorf("nested fragments on other types are not served by this fake (%s in %s)", f.on, typ)
		}
		f.on = typ
	}
	return sel, nil
}

func (p *parser) field() (*field, error) {
	if p.tok.kind != tokName {
		return nil, fmt.Errorf("expected a field name at offset %d, got %q", p.tok.pos, p.tok.text)
	}
	f := &field{name: p.tok.text, pos: p.tok.pos}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.is(":") {
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind != tokName {
			return nil, fmt.Errorf("expected a field name after alias %q", f.name)
		}
		f.alias, f.name = f.name, p.tok.text
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if p.is("(") {
		if err := p.next(); err != nil {
			return nil, err
		}
		f.args = map[string]any{}
		for !p.is(")") {
			if p.tok.kind != tokName {
				return nil, fmt.Errorf("expected an argument name in %s, got %q", f.name, p.tok.text)
			}
			name := p.tok.text
			if err := p.next(); err != nil {
				return nil, err
			}
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			v, err := p.value()
			if err != nil {
				return nil, fmt.Errorf("argument %s of %s: %w", name, f.name, err)
			}
			f.args[name] = v
			if p.is(",") {
				if err := p.next(); err != nil {
					return nil, err
				}
			}
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if p.is("@") {
		return nil, fmt.Errorf("directives are not served by this fake (field %s)", f.name)
	}
	if p.is("{") {
		sel, err := p.selectionSet()
		if err != nil {
			return nil, err
		}
		f.sel = sel
	}
	return f, nil
}

func (p *parser) value() (any, error) {
	t := p.tok
	switch {
	case t.kind == tokVar:
		if err := p.next(); err != nil {
			return nil, err
		}
		v, ok := p.vars[t.text]
		if !ok {
			return nil, nil // an omitted variable is null
		}
		return v, nil
	case t.kind == tokString:
		return t.text, p.next()
	case t.kind == tokNumber:
		return json.Number(t.text), p.next()
	case t.kind == tokName:
		if err := p.next(); err != nil {
			return nil, err
		}
		switch t.text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return enumValue(t.text), nil
	case p.is("["):
		if err := p.next(); err != nil {
			return nil, err
		}
		var list []any
		for !p.is("]") {
			if p.tok.kind == tokEOF {
				return nil, fmt.Errorf("unterminated list")
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			if p.is(",") {
				if err := p.next(); err != nil {
					return nil, err
				}
			}
		}
		return list, p.next()
	case p.is("{"):
		if err := p.next(); err != nil {
			return nil, err
		}
		obj := map[string]any{}
		for !p.is("}") {
			if p.tok.kind != tokName {
				return nil, fmt.Errorf("expected an object field name, got %q", p.tok.text)
			}
			name := p.tok.text
			if err := p.next(); err != nil {
				return nil, err
			}
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			obj[name] = v
			if p.is(",") {
				if err := p.next(); err != nil {
					return nil, err
				}
			}
		}
		return obj, p.next()
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
}

// ------------------------------------------------------------------ lexer

type tokKind int

const (
	tokEOF tokKind = iota
	tokName
	tokVar
	tokString
	tokNumber
	tokPunct
)

type token struct {
	kind tokKind
	text string
	pos  int
}

type lexer struct {
	src string
	i   int
}

func (l *lexer) next() (token, error) {
	// Skip white space and commas (insignificant in GraphQL); comments
	// run to the end of the line.
	for l.i < len(l.src) {
		c := l.src[l.i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' {
			l.i++
			continue
		}
		if c == '#' {
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
			continue
		}
		break
	}
	if l.i >= len(l.src) {
		return token{kind: tokEOF, pos: l.i}, nil
	}
	start := l.i
	c := l.src[l.i]
	switch {
	case c == '.' && strings.HasPrefix(l.src[l.i:], "..."):
		l.i += 3
		return token{kind: tokPunct, text: "...", pos: start}, nil
	case strings.IndexByte("{}():[]!=@", c) >= 0:
		l.i++
		return token{kind: tokPunct, text: string(c), pos: start}, nil
	case c == '$':
		l.i++
		n := l.name()
		if n == "" {
			return token{}, fmt.Errorf("bad variable at offset %d", start)
		}
		return token{kind: tokVar, text: n, pos: start}, nil
	case c == '"':
		if strings.HasPrefix(l.src[l.i:], `"""`) {
			end := strings.Index(l.src[l.i+3:], `"""`)
			if end < 0 {
				return token{}, fmt.Errorf("unterminated block string at offset %d", start)
			}
			s := l.src[l.i+3 : l.i+3+end]
			l.i += 6 + end
			return token{kind: tokString, text: s, pos: start}, nil
		}
		j := l.i + 1
		for j < len(l.src) && l.src[j] != '"' {
			if l.src[j] == '\\' {
				j++
			}
			if j < len(l.src) && l.src[j] == '\n' {
				return token{}, fmt.Errorf("unterminated string at offset %d", start)
			}
			j++
		}
		if j >= len(l.src) {
			return token{}, fmt.Errorf("unterminated string at offset %d", start)
		}
		var s string
		if err := json.Unmarshal([]byte(l.src[l.i:j+1]), &s); err != nil {
			return token{}, fmt.Errorf("bad string at offset %d: %w", start, err)
		}
		l.i = j + 1
		return token{kind: tokString, text: s, pos: start}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		j := l.i + 1
		for j < len(l.src) && strings.IndexByte("0123456789.eE+-", l.src[j]) >= 0 {
			j++
		}
		text := l.src[l.i:j]
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return token{}, fmt.Errorf("bad number %q at offset %d", text, start)
		}
		l.i = j
		return token{kind: tokNumber, text: text, pos: start}, nil
	case isNameStart(c):
		return token{kind: tokName, text: l.name(), pos: start}, nil
	}
	return token{}, fmt.Errorf("unexpected character %q at offset %d", c, start)
}

func (l *lexer) name() string {
	start := l.i
	for l.i < len(l.src) && (isNameStart(l.src[l.i]) || (l.src[l.i] >= '0' && l.src[l.i] <= '9')) {
		l.i++
	}
	return l.src[start:l.i]
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
