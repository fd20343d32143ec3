// Binding of arithmetic: numeric promotion, DECIMAL result types and date/time
// arithmetic (type_rules.h has the rules themselves).
#include "sql/binder.h"
#include "sql/type_rules.h"
#include "sql/value_parse.h"

namespace sluice::sql {

namespace {

bool IsStringLiteral(const BoundExpr& e) {
  return e.is_constant() && !e.untyped_null && e.type.id == TypeId::kVarchar && !e.value.is_null();
}

bool IsIntegral(TypeId id) { return id == TypeId::kInt32 || id == TypeId::kInt64; }

}  // namespace

Result<BoundExprPtr> Binder::BindArithmetic(const ParsedExpr& e, BoundExprPtr l, BoundExprPtr r) {
  const char op = e.op[0];
  // NULL and string literals take the other side's type.
  if (l->untyped_null && r->untyped_null) {
    SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), DataType::Int32()));
  }
  // A string literal next to a number reads as the number literal it spells.
  for (BoundExprPtr* side : {&l, &r}) {
    const BoundExpr& other = side == &l ? *r : *l;
    if (IsStringLiteral(**side) && other.type.IsNumeric()) {
      const std::string& text = (*side)->value.string_value();
      int64_t iv = 0;
      std::optional<Value> v;
      if (ParseInt64Text(text, &iv)) {
        v = iv >= INT32_MIN && iv <= INT32_MAX ? Value::Int32(static_cast<int32_t>(iv)) : Value::Int64(iv);
      } else if (other.type.id == TypeId::kDecimal) {
        const size_t dot = text.find('.');
        const int scale = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
        int64_t unscaled = 0;
        if (scale <= kMaxDecimalPrecision &&
            ParseDecimalText(text, kMaxDecimalPrecision, scale, &unscaled)) {
          v = Value::Decimal(unscaled, kMaxDecimalPrecision, static_cast<uint8_t>(scale));
        }
      }
      if (v) {
        (*side)->value = *v;
        (*side)->type = v->type();
      }
    }
  }
  if (l->untyped_null || (IsStringLiteral(*l) && r->type.IsNumeric())) {
    SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), r->type));
  }
  if (r->untyped_null || (IsStringLiteral(*r) && l->type.IsNumeric())) {
    SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), l->type));
  }
  const TypeId a = l->type.id, b = r->type.id;
  auto node = [&](BoundOp bop, DataType type) {
    auto n = MakeBound(bop, type, e, ctx_);
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return n;
  };
  // Temporal arithmetic.
  if (op == '+' || op == '-') {
    if (a == TypeId::kDate && b == TypeId::kInterval) {
      SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), DataType::Timestamp()));
      return BindArithmetic(e, std::move(l), std::move(r));
    }
    if (a == TypeId::kTimestamp && b == TypeId::kInterval) {
      return node(op == '+' ? BoundOp::kTimestampAddInterval : BoundOp::kTimestampSubInterval,
                  DataType::Timestamp());
    }
    if (op == '+' && a == TypeId::kInterval && (b == TypeId::kTimestamp || b == TypeId::kDate)) {
      std::swap(l, r);
      return BindArithmetic(e, std::move(l), std::move(r));
    }
    if (a == TypeId::kDate && IsIntegral(b)) {
      SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), DataType::Int32()));
      return node(op == '+' ? BoundOp::kDateAddDays : BoundOp::kDateSubDays, DataType::Date());
    }
    if (op == '+' && IsIntegral(a) && b == TypeId::kDate) {
      std::swap(l, r);
      return BindArithmetic(e, std::move(l), std::move(r));
    }
    if (op == '-' && a == TypeId::kDate && b == TypeId::kDate) {
      return node(BoundOp::kDateDiff, DataType::Int32());
    }
    if (op == '-' && (a == TypeId::kDate || a == TypeId::kTimestamp) &&
        (b == TypeId::kDate || b == TypeId::kTimestamp)) {
      SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), DataType::Timestamp()));
      SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), DataType::Timestamp()));
      return node(BoundOp::kTimestampDiff, DataType::Interval());
    }
    if (a == TypeId::kInterval && b == TypeId::kInterval) {
      return node(op == '+' ? BoundOp::kIntervalAdd : BoundOp::kIntervalSub, DataType::Interval());
    }
  }
  if (!l->type.IsNumeric() || !r->type.IsNumeric()) {
    std::string msg = std::string("operator ") + e.op + " cannot be applied to " +
                      l->type.ToString() + " and " + r->type.ToString();
    if (op == '+' && (a == TypeId::kVarchar || b == TypeId::kVarchar)) {
      msg += "; use || to concatenate strings";
    } else {
      msg += "; CAST one side";
    }
    return ctx_.Invalid(e.pos, msg);
  }
  const BoundOp bop = op == '+' ? BoundOp::kAdd
                      : op == '-' ? BoundOp::kSub
                      : op == '*' ? BoundOp::kMul
                      : op == '/' ? BoundOp::kDiv
                                  : BoundOp::kMod;
  DataType operand;
  DataType result;
  if (a == TypeId::kDouble || b == TypeId::kDouble ||
      (op == '/' && (a == TypeId::kDecimal || b == TypeId::kDecimal))) {
    operand = result = DataType::Double();
  } else if (a == TypeId::kDecimal || b == TypeId::kDecimal) {
    // An integer literal counts only its own digits: price * 2 is DECIMAL(p+1, s).
    for (BoundExprPtr* side : {&l, &r}) {
      BoundExpr& x = **side;
      if (x.is_constant() && !x.value.is_null() && IsIntegral(x.type.id)) {
        const int64_t v = x.value.int_value();
        uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        int digits = 1;
        while (mag >= 10) {
          mag /= 10;
          ++digits;
        }
        SLUICE_ASSIGN_OR_RETURN(*side, Coerce(std::move(*side), DataType::Decimal(static_cast<uint8_t>(digits), 0)));
      }
    }
    std::optional<DataType> rt = DecimalArithmeticType(op, l->type, r->type);
    if (!rt) {
      return ctx_.Invalid(e.pos, "result of " + l->type.ToString() + " " + e.op + " " +
                                     r->type.ToString() + " needs a scale above 18; CAST to DOUBLE");
    }
    result = *rt;
    if (op == '*') {
      SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), AsDecimal(l->type)));
      SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), AsDecimal(r->type)));
      return node(bop, result);
    }
    operand = DataType::Decimal(kMaxDecimalPrecision, result.scale);
  } else {
    operand = result = *CommonNumericType(l->type, r->type);
  }
  // Casting to an 18-digit operand type never loses digits; the kernel checks the result.
  if (!(l->type == operand) && !(operand.id == TypeId::kDecimal && l->type.id == TypeId::kDecimal &&
                                 l->type.scale == operand.scale)) {
    SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), operand));
  }
  if (!(r->type == operand) && !(operand.id == TypeId::kDecimal && r->type.id == TypeId::kDecimal &&
                                 r->type.scale == operand.scale)) {
    SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), operand));
  }
  return node(bop, result);
}

}  // namespace sluice::sql
