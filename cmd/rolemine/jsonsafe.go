package main

import (
	"math"
	"reflect"
	"strings"
)

// jsonSafe returns v as plain maps, slices and values that encoding/json
// accepts: NaN and infinite numbers (an undefined metric, say AUC of a
// group with one class) become null. Unexported fields are skipped; JSON
// field tags are honoured for names.
func jsonSafe(v any) any { return safeValue(reflect.ValueOf(v)) }

func safeValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return safeValue(v.Elem())
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = safeValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[k.String()] = safeValue(v.MapIndex(k))
		}
		return out
	case reflect.Struct:
		if _, ok := v.Interface().(interface{ MarshalJSON() ([]byte, error) }); ok {
			return v.Interface() // e.g. time.Time
		}
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag := f.Tag.Get("json"); tag != "" {
				if tag == "-" {
					continue
				}
				if n, _, _ := strings.Cut(tag, ","); n != "" {
					name = n
				}
			}
			out[name] = safeValue(v.Field(i))
		}
		return out
	}
	return v.Interface()
}
