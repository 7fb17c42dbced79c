package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"rolemine/datasets"
	"rolemine/features"
	"rolemine/mining"
)

// loadMatrix builds the identity × entitlement matrix of the current
// snapshot, streaming Arrow batches out of the store. Every current identity
// and entitlement gets a row or column, even without assignments.
func loadMatrix(ctx context.Context, store *datasets.Store) (*features.Matrix, error) {
	b := features.NewMatrixBuilder()
	n, err := store.Count(ctx, "assignments")
	if err != nil {
		return nil, fmt.Errorf("load matrix: %w", err)
	}
	b.Grow(int(n)) // the cells are added without copying
	steps := []struct {
		query string
		add   func(array.RecordReader) error
	}{
		{"SELECT identity_id FROM current_identities ORDER BY identity_id",
			func(r array.RecordReader) error { return b.AddRowRecords(r, features.IdentityColumn) }},
		{"SELECT entitlement_id FROM current_entitlements ORDER BY entitlement_id",
			func(r array.RecordReader) error { return b.AddColRecords(r, features.EntitlementColumn) }},
		{"SELECT identity_id, entitlement_id, granted_at FROM current_assignments", b.AddRecords},
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

// identityAttributeColumns are the canonical identity columns used as
// categorical attributes (peer groups, rules), besides the extra columns.
var identityAttributeColumns = []string{"kind", "status", "department", "title", "location", "manager_id", "employment_type"}

// loadAttributes reads the categorical attributes of the matrix rows: the
// canonical identity columns and every extra attribute column, in long
// form through Arrow. It returns an empty table when there are no
// identities (a bare assignment file).
func loadAttributes(ctx context.Context, store *datasets.Store, m *features.Matrix) (*features.Attributes, error) {
	attrs := features.NewAttributes(m)
	var parts []string
	for _, c := range identityAttributeColumns {
		parts = append(parts, fmt.Sprintf(
			"SELECT identity_id, '%[1]s' AS name, %[1]s AS value FROM current_identities WHERE %[1]s IS NOT NULL", c))
	}
	parts = append(parts, "SELECT identity_id, name, value FROM current_identity_attributes")
	query := strings.Join(parts, " UNION ALL ")
	err := store.Arrow(ctx, query, func(r array.RecordReader) error {
		_, err := attrs.AddRecords(m, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load attributes: %w", err)
	}
	return attrs, nil
}

// loadRisk reads the risk tier and privilege of every matrix column.
// Entitlements without a tier in the catalogue take defaultTier.
func loadRisk(ctx context.Context, store *datasets.Store, m *features.Matrix, defaultTier string) ([]mining.EntitlementRisk, error) {
	def, err := mining.ParseRiskLevel(defaultTier)
	if err != nil {
		return nil, err
	}
	risk := make([]mining.EntitlementRisk, m.Cols())
	for j := range risk {
		risk[j].Level = def
	}
	rows, err := store.DB().QueryContext(ctx, "SELECT entitlement_id, risk, coalesce(privileged, false) FROM current_entitlements")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var tier sql.NullString
		var priv bool
		if err := rows.Scan(&id, &tier, &priv); err != nil {
			return nil, err
		}
		j, ok := m.ColIndex(id)
		if !ok {
			continue
		}
		if tier.Valid {
			if risk[j].Level, err = mining.ParseRiskLevel(tier.String); err != nil {
				return nil, fmt.Errorf("entitlement %s: %w", id, err)
			}
		}
		risk[j].Privileged = priv
	}
	return risk, rows.Err()
}
