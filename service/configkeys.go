package service

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownKeys walks the YAML document doc against the type of v (a
// struct) and returns an error per key that no field takes, named by its
// key path ("shops.main.default_regoin", a shop by its name) and with the
// nearest known key when one is a small edit away.
func unknownKeys(doc *yaml.Node, t reflect.Type) []error {
	var errs []error
	var walk func(n *yaml.Node, t reflect.Type, path string)
	walk = func(n *yaml.Node, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch {
		case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
			fields := map[string]reflect.Type{}
			for i := range t.NumField() {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if name != "" && name != "-" {
					fields[name] = f.Type
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, val := n.Content[i].Value, n.Content[i+1]
				at := join(path, k)
				ft, ok := fields[k]
				if !ok {
					msg := fmt.Sprintf("config: %s (line %d): unknown key", at, n.Content[i].Line)
					if near := nearest(k, keys(fields)); near != "" {
						msg += fmt.Sprintf("; did you mean %s?", join(path, near))
					}
					errs = append(errs, fmt.Errorf("%s", msg))
					continue
				}
				walk(val, ft, at)
			}
		case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
			names := map[string]int{}
			for _, item := range n.Content {
				names[itemName(item)]++
			}
			for i, item := range n.Content {
				at := fmt.Sprintf("%s[%d]", path, i)
				if name := itemName(item); name != "" && names[name] == 1 {
					at = join(path, name)
				}
				walk(item, t.Elem(), at)
			}
		}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	walk(doc, t, "")
	return errs
}

// itemName is the name: of a list item that is a mapping, or "".
func itemName(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// shopPath is the key path of the i-th shop: "shops.<name>" when its name
// is set and unique, "shops[i]" otherwise (as unknownKeys names them).
func shopPath(shops []ShopConfig, i int) string {
	name := shops[i].Name
	if name == "" || strings.ContainsAny(name, ". ") {
		return fmt.Sprintf("shops[%d]", i)
	}
	for j, s := range shops {
		if j != i && s.Name == name {
			return fmt.Sprintf("shops[%d]", i)
		}
	}
	return "shops." + name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nearest returns the known key closest to k by edit distance, when it is
// at most 2 edits away (or a third of k's length, for long keys), else "".
func nearest(k string, known []string) string {
	best, bestD := "", max(2, len(k)/3)+1
	for _, c := range known {
		if d := editDistance(strings.ToLower(k), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment: insertions, deletions, substitutions and transpositions of
// adjacent characters) between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
