package score

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"rolemine/datasets/schema"
)

// Request is one access request as the scorer sees it.
type Request struct {
	ID, Identity, Entitlement string
	Application               string
	Tier                      string // risk tier, the catalogue's or the default
	Privileged                bool
	InCatalogue               bool // the entitlement is in the catalogue
	Decision                  string
	RequestedAt               int64    // Unix seconds; 0 unknown
	Attributes                []string // "name=value" of the requester given on the request
	Row, Col                  int      // in the signals' matrix; -1 unknown
}

// Decided reports whether a human approved or denied r.
func (r Request) Decided() bool { return r.Decision == schema.Approved || r.Decision == schema.Denied }

// Approved reports whether a human approved r.
func (r Request) Approved() bool { return r.Decision == schema.Approved }

// AttributeSeparator separates the name=value pairs of the attributes
// column read by ReadRequests.
const AttributeSeparator = "\x1f"

// ReadRequests reads requests from Arrow batches with the columns
// request_id, identity_id, entitlement_id, application, tier (strings),
// privileged, in_catalogue (booleans), decision (string), requested_at
// (int64 Unix seconds, nullable) and attributes (string of name=value pairs
// joined by AttributeSeparator, nullable). Row and Col are set to -1.
func ReadRequests(r array.RecordReader) ([]Request, error) {
	var out []Request
	for r.Next() {
		rec := r.RecordBatch()
		cols, err := columns(rec)
		if err != nil {
			return nil, err
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			q := Request{Row: -1, Col: -1,
				ID: cols.str("request_id", i), Identity: cols.str("identity_id", i), Entitlement: cols.str("entitlement_id", i),
				Application: cols.str("application", i), Tier: cols.str("tier", i), Decision: cols.str("decision", i),
				Privileged: cols.bool("privileged", i), InCatalogue: cols.bool("in_catalogue", i), RequestedAt: cols.int("requested_at", i)}
			if a := cols.str("attributes", i); a != "" {
				q.Attributes = strings.Split(a, AttributeSeparator)
			}
			out = append(out, q)
		}
	}
	return out, r.Err()
}

type recordColumns map[string]arrow.Array

func columns(rec arrow.RecordBatch) (recordColumns, error) {
	cols := recordColumns{}
	for k, f := range rec.Schema().Fields() {
		cols[f.Name] = rec.Column(k)
	}
	for _, name := range []string{"request_id", "identity_id", "entitlement_id", "decision"} {
		if _, ok := cols[name]; !ok {
			return nil, fmt.Errorf("score: request batch has no column %q", name)
		}
	}
	return cols, nil
}

func (c recordColumns) str(name string, i int) string {
	a, ok := c[name]
	if !ok || a.IsNull(i) {
		return ""
	}
	switch x := a.(type) {
	case *array.String:
		return strings.Clone(x.Value(i))
	case *array.LargeString:
		return strings.Clone(x.Value(i))
	case *array.StringView:
		return strings.Clone(x.Value(i))
	}
	return a.ValueStr(i)
}

func (c recordColumns) bool(name string, i int) bool {
	a, ok := c[name].(*array.Boolean)
	return ok && !a.IsNull(i) && a.Value(i)
}

func (c recordColumns) int(name string, i int) int64 {
	a, ok := c[name].(*array.Int64)
	if !ok || a.IsNull(i) {
		return 0
	}
	return a.Value(i)
}
