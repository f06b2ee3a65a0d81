package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/natsd/natsd/conf"
	"github.com/natsd/natsd/transform"
)

// The mappings block, at the top level (the global account) or in an
// account:
//
//	mappings {
//	  "orders.new": "orders.v2.new"
//	  "orders.*.*": "shard.{{partition(4,1)}}.$2.$1"
//	  "svc.*": [ { destination: "svc.v1.$1", weight: 90% },
//	             { destination: "svc.v2.$1", weight: 10%, cluster: east } ]
//	}
//
// Each is compiled with the transform package here, so a bad destination
// is refused with its position; the server applies the first mapping whose
// source matches a published subject (mappings.go).

func mappingsValue(v *conf.Value, owner string) ([]*transform.Mapping, error) {
	m, err := v.AsMap()
	if err != nil {
		return nil, err
	}
	var out []*transform.Mapping
	for i := range m.Keys {
		k := &m.Keys[i]
		var dests []transform.Destination
		switch k.Value.Kind {
		case conf.KindString:
			dests = []transform.Destination{{Subject: k.Value.Str, Weight: 100}}
		case conf.KindArray:
			for _, item := range k.Value.Array {
				d, err := destinationValue(item)
				if err != nil {
					return nil, err
				}
				dests = append(dests, d)
			}
		default:
			return nil, k.Value.Errorf("mapping %q: expected a subject or a list of { destination, weight, cluster }", k.Name)
		}
		mp, err := transform.NewMapping(k.Name, dests)
		if err != nil {
			return nil, &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("%s: mapping %q: %v", owner, k.Name, err), Err: err}
		}
		out = append(out, mp)
	}
	return out, nil
}

// destinationValue reads { destination, weight, cluster }; the weight is a
// percentage, written 20 or "20%".
func destinationValue(v *conf.Value) (transform.Destination, error) {
	d := transform.Destination{Weight: 100}
	m, err := v.AsMap()
	if err != nil {
		return d, err
	}
	for i := range m.Keys {
		k := &m.Keys[i]
		var err error
		switch {
		case containsFold([]string{"destination", "dest"}, k.Name):
			d.Subject, err = k.Value.AsString()
		case containsFold([]string{"weight"}, k.Name):
			d.Weight, err = weightValue(k.Value)
		case containsFold([]string{"cluster"}, k.Name):
			d.Cluster, err = k.Value.AsString()
		default:
			err = &conf.Error{Pos: k.Pos, Msg: fmt.Sprintf("unknown field %q in mapping destination (expected destination, weight, cluster)", k.Name)}
		}
		if err != nil {
			return d, err
		}
	}
	if d.Subject == "" {
		return d, v.Errorf("a mapping destination needs a destination subject")
	}
	return d, nil
}

// setMappings reads the top-level mappings (the global account's).
func setMappings(o *Options, v *conf.Value) error {
	mp, err := mappingsValue(v, "mappings")
	o.Mappings = mp
	return err
}

func weightValue(v *conf.Value) (uint8, error) {
	var n int64
	switch v.Kind {
	case conf.KindInt:
		n = v.Int
	case conf.KindString:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v.Str), "%"), 10, 64); err != nil {
			return 0, v.Errorf("weight %q is not a percentage", v.Str)
		}
	default:
		return 0, v.Errorf("weight must be a percentage such as 20%%")
	}
	if n < 0 || n > 100 {
		return 0, v.Errorf("weight %d is not between 0 and 100", n)
	}
	return uint8(n), nil
}
