package main

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"

	"rolemine/datasets"
	"rolemine/features"
)

// loadMatrix builds the identity × entitlement matrix of the current
// snapshot, streaming Arrow batches out of the store. Every current identity
// and entitlement gets a row or column, even without assignments.
func loadMatrix(ctx context.Context, store *datasets.Store) (*features.Matrix, error) {
	b := features.NewMatrixBuilder()
	steps := []struct {
		query string
		add   func(array.RecordReader) error
	}{
		{"SELECT identity_id FROM current_identities ORDER BY identity_id",
			func(r array.RecordReader) error { return b.AddRowRecords(r, features.IdentityColumn) }},
		{"SELECT entitlement_id FROM current_entitlements ORDER BY entitlement_id",
			func(r array.RecordReader) error { return b.AddColRecords(r, features.EntitlementColumn) }},
		{"SELECT identity_id, entitlement_id FROM current_assignments", b.AddRecords},
	}
	for _, s := range steps {
		if err := store.Arrow(ctx, s.query, s.add); err != nil {
			return nil, fmt.Errorf("load matrix: %w", err)
		}
	}
	m := b.Build()
	if m.NNZ() == 0 {
		return nil, fmt.Errorf("load matrix: no assignments in the current snapshot of %s", store.Path())
	}
	return m, nil
}
