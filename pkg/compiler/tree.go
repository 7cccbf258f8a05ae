package compiler

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// protoTree returns the JSON value protojson writes for m, as Go values
// (map[string]any, []any, string, bool, json.Number, nil), walking the
// message directly. A compiled pipeline embeds the step runtime once per
// step; going through protojson text and back for every conversion costs
// several copies of megabytes, this costs none (strings are shared).
func protoTree(m proto.Message) (any, error) {
	return messageTree(m.ProtoReflect())
}

func messageTree(m protoreflect.Message) (any, error) {
	switch x := m.Interface().(type) {
	case *structpb.Struct:
		return structTree(x), nil
	case *structpb.Value:
		return valueOf(x), nil
	case *structpb.ListValue:
		return listTree(x), nil
	}
	if m.Descriptor().FullName().Parent() == "google.protobuf" {
		// Other well-known types (Any, Timestamp, wrappers...) have
		// special JSON forms: let protojson write them.
		raw, err := protojson.Marshal(m.Interface())
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		return numbersOf(v), nil
	}
	out := map[string]any{}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		var t any
		switch {
		case fd.IsList():
			l := v.List()
			items := make([]any, l.Len())
			for i := 0; i < l.Len(); i++ {
				if items[i], err = singularTree(fd, l.Get(i)); err != nil {
					return false
				}
			}
			t = items
		case fd.IsMap():
			mv := map[string]any{}
			v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				var e any
				if e, err = singularTree(fd.MapValue(), v); err != nil {
					return false
				}
				mv[k.String()] = e
				return true
			})
			t = mv
		default:
			t, err = singularTree(fd, v)
		}
		if err != nil {
			return false
		}
		out[fd.JSONName()] = t
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func singularTree(fd protoreflect.FieldDescriptor, v protoreflect.Value) (any, error) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return messageTree(v.Message())
	case protoreflect.StringKind:
		return v.String(), nil
	case protoreflect.BoolKind:
		return v.Bool(), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return json.Number(strconv.FormatInt(v.Int(), 10)), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return json.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10), nil
	case protoreflect.FloatKind:
		return floatTree(v.Float(), 32), nil
	case protoreflect.DoubleKind:
		return floatTree(v.Float(), 64), nil
	case protoreflect.BytesKind:
		return base64.StdEncoding.EncodeToString(v.Bytes()), nil
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			if fd.Enum().FullName() == "google.protobuf.NullValue" {
				return nil, nil
			}
			return string(ev.Name()), nil
		}
		return json.Number(strconv.FormatInt(int64(v.Enum()), 10)), nil
	}
	return nil, fmt.Errorf("field %s: unsupported kind %s", fd.FullName(), fd.Kind())
}

// floatTree writes a float as protojson does: a number, or the strings
// NaN, Infinity and -Infinity.
func floatTree(f float64, bits int) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return json.Number(formatFloat(f, bits))
}

// formatFloat formats like encoding/json: shortest representation, plain
// between 1e-6 and 1e21, exponent form outside.
func formatFloat(f float64, bits int) string {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	return strconv.FormatFloat(f, format, -1, bits)
}

func structTree(s *structpb.Struct) map[string]any {
	out := make(map[string]any, len(s.GetFields()))
	for k, v := range s.GetFields() {
		out[k] = valueOf(v)
	}
	return out
}

func listTree(l *structpb.ListValue) []any {
	out := make([]any, len(l.GetValues()))
	for i, v := range l.GetValues() {
		out[i] = valueOf(v)
	}
	return out
}

func valueOf(v *structpb.Value) any {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_BoolValue:
		return k.BoolValue
	case *structpb.Value_NumberValue:
		return floatTree(k.NumberValue, 64)
	case *structpb.Value_StructValue:
		return structTree(k.StructValue)
	case *structpb.Value_ListValue:
		return listTree(k.ListValue)
	}
	return nil
}

// numbersOf turns the float64s of a decoded JSON value into json.Numbers.
func numbersOf(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(formatFloat(x, 64))
	case map[string]any:
		for k, e := range x {
			x[k] = numbersOf(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersOf(e)
		}
	}
	return v
}

// toStruct converts a typed message into the google.protobuf.Struct that
// PipelineSpec.deployment_spec and the platform executors hold.
func toStruct(m proto.Message) (*structpb.Struct, error) {
	t, err := protoTree(m)
	if err != nil {
		return nil, err
	}
	obj, ok := t.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%T does not encode as a JSON object", m)
	}
	return structpb.NewStruct(obj)
}
