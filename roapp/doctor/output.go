package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report as a table: one row per check with its
// result, detail and what to do, then what the write probes left behind.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CHECK\tRESULT\tDETAIL\tWHAT TO DO\n")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Check, row.Result, oneLine(row.Detail), oneLine(row.Action))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if len(row.Evidence) == 0 {
			continue
		}
		b, err := json.Marshal(row.Evidence)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "evidence %s: %s\n", row.Check, b); err != nil {
			return err
		}
	}
	if r.Write {
		if len(r.LeftBehind) == 0 {
			fmt.Fprintln(w, "left behind: nothing")
		}
		for _, l := range r.LeftBehind {
			fmt.Fprintln(w, "left behind: "+l)
		}
	}
	_, err := fmt.Fprintf(w, "RO App %s: %s\n", r.BaseURL, r.summary())
	return err
}

// summary counts the rows per result.
func (r *Report) summary() string {
	counts := map[Result]int{}
	for _, row := range r.Rows {
		counts[row.Result]++
	}
	var parts []string
	for _, res := range []Result{OK, Info, Warn, Fail, Skip, UnverifiedOK, UnverifiedNo, Unverified} {
		if n := counts[res]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, res))
		}
	}
	return strings.Join(parts, ", ")
}

// WriteJSON prints the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
