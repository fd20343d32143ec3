#include "sql/subexpression_cache.h"

#include <bit>

namespace sluice::sql {

struct SubexpressionCache::Slot {
  KernelPtr kernel;
  const FrameState* frame = nullptr;
  std::string text;
  int uses = 0;
  int64_t evaluations = 0;
  int64_t gathers = 0;
  Vec cached;
  uint64_t cached_epoch = 0;  // the frame `cached` belongs to; 0 = none
  bool from_where = false;    // ComputedByWhere

  // The shared result for the frame `in` is (the input frame or the narrowed one):
  // cached, gathered from the input frame's result, or computed now over every row.
  Result<Vec> Get(const EvalInput& in) {
    const bool narrowed = frame->narrowed;
    const bool parent_frame =
        narrowed && in.columns == frame->parent.columns && in.rows == frame->parent.rows;
    const uint64_t want = parent_frame ? frame->parent_epoch : frame->epoch;
    if (cached_epoch == want) return cached;
    if (narrowed && !parent_frame && (from_where || cached_epoch == frame->parent_epoch)) {
      if (cached_epoch != frame->parent_epoch) {
        SLUICE_RETURN_NOT_OK(Compute(frame->parent));
      }
      if (!cached.constant) {
        cached = Vec{GatherColumn(cached.column(), frame->selection, frame->selected), false};
      }
      ++gathers;
    } else {
      SLUICE_RETURN_NOT_OK(Compute(in));
    }
    cached_epoch = want;
    return cached;
  }

  Status Compute(const EvalInput& in) {
    // Shared subtrees cannot fail (see the header), so every row is evaluated.
    SLUICE_ASSIGN_OR_RETURN(cached, kernel->Eval(in, nullptr));
    ++evaluations;
    return Status::OK();
  }
};

namespace {

// One use of a shared subexpression: forwards to the slot.
class SharedUseKernel final : public Kernel {
 public:
  explicit SharedUseKernel(SubexpressionCache::Slot* slot)
      : Kernel(slot->kernel->type()), slot_(slot) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t*) override { return slot_->Get(in); }

 private:
  SubexpressionCache::Slot* slot_;
};

// Ops that never raise a runtime error, whatever their (valid) inputs.
bool CannotFail(BoundOp op) {
  switch (op) {
    case BoundOp::kConstant:
    case BoundOp::kColumn:
    case BoundOp::kConcatOp:
    case BoundOp::kEq:
    case BoundOp::kNe:
    case BoundOp::kLt:
    case BoundOp::kLe:
    case BoundOp::kGt:
    case BoundOp::kGe:
    case BoundOp::kAnd:
    case BoundOp::kOr:
    case BoundOp::kNot:
    case BoundOp::kIsNull:
    case BoundOp::kIsNotNull:
    case BoundOp::kIsTrue:
    case BoundOp::kIsNotTrue:
    case BoundOp::kIsFalse:
    case BoundOp::kIsNotFalse:
    case BoundOp::kInList:
    case BoundOp::kLike:
    case BoundOp::kCase:
    case BoundOp::kCoalesce:
    case BoundOp::kGreatest:
    case BoundOp::kLeast:
    case BoundOp::kLower:
    case BoundOp::kUpper:
    case BoundOp::kLength:
    case BoundOp::kTrim:
    case BoundOp::kLtrim:
    case BoundOp::kRtrim:
    case BoundOp::kConcat:
    case BoundOp::kReplace:
    case BoundOp::kRegexpMatches:
    case BoundOp::kRegexpExtract:
    case BoundOp::kSplitIndex:
    case BoundOp::kCountChar:
    case BoundOp::kExtract:
    case BoundOp::kDateFormat:
    case BoundOp::kJsonExtract:
    case BoundOp::kJsonExtractString:
    case BoundOp::kJsonValue:
      return true;
    default:
      // Arithmetic (overflow), temporal arithmetic and date_trunc (overflow), CAST
      // (failed conversion), substring (negative length), split_part (position 0).
      return false;
  }
}

bool SubtreeCannotFail(const BoundExpr& e) {
  // TRY_CAST gives NULL instead of an error.
  const bool try_cast = e.op == BoundOp::kCast && e.flag;
  if (!try_cast && !CannotFail(e.op)) return false;
  for (const auto& a : e.args) {
    if (!SubtreeCannotFail(*a)) return false;
  }
  return true;
}

// The node's own part of its structural key (arguments follow in parentheses).
std::string NodeKey(const BoundExpr& e) {
  std::string k = std::to_string(static_cast<int>(e.op)) + ":" + e.type.ToString() + ":" +
                  (e.flag ? "1" : "0") + (e.untyped_null ? "1" : "0");
  if (e.op == BoundOp::kColumn) k += ":c" + std::to_string(e.column);
  if (e.op == BoundOp::kConstant) {
    std::string v;
    if (e.value.is_null()) {
      v = "N";
    } else if (e.value.type() == DataType::Double()) {
      v = "D" + std::to_string(std::bit_cast<uint64_t>(e.value.double_value()));
    } else {
      v = "V" + e.value.type().ToString() + "=" + e.value.ToString();
    }
    k += ":" + std::to_string(v.size()) + ":" + v;  // length-prefixed: no ambiguity
  }
  return k;
}

}  // namespace

SubexpressionCache::SubexpressionCache() = default;
SubexpressionCache::~SubexpressionCache() = default;

void SubexpressionCache::Count(const BoundExpr& e, bool in_where) {
  std::string key = NodeKey(e) + "(";
  for (const auto& a : e.args) {
    Count(*a, in_where);
    key += keys_[a.get()] + ",";
  }
  key += ")";
  ++counts_[key];
  if (in_where) in_where_[key] = true;
  keys_[&e] = std::move(key);
}

const std::string& SubexpressionCache::KeyOf(const BoundExpr& e) const {
  static const std::string kNone;
  auto it = keys_.find(&e);
  return it == keys_.end() ? kNone : it->second;
}

bool SubexpressionCache::ShouldShare(const BoundExpr& e) const {
  if (e.op == BoundOp::kConstant || e.op == BoundOp::kColumn) return false;
  const std::string& key = KeyOf(e);
  if (key.empty()) return false;
  auto it = counts_.find(key);
  return it != counts_.end() && it->second >= 2 && SubtreeCannotFail(e);
}

bool SubexpressionCache::ComputedByWhere(const BoundExpr& e) const {
  return ShouldShare(e) && in_where_.count(KeyOf(e)) != 0;
}

KernelPtr SubexpressionCache::Use(const BoundExpr& e) {
  auto it = slots_by_key_.find(KeyOf(e));
  if (it == slots_by_key_.end()) return nullptr;
  ++it->second->uses;
  return KernelPtr(new SharedUseKernel(it->second));
}

KernelPtr SubexpressionCache::Share(const BoundExpr& e, KernelPtr kernel) {
  auto slot = std::make_unique<Slot>();
  slot->kernel = std::move(kernel);
  slot->frame = &frame_;
  slot->text = e.text;
  slot->uses = 1;
  slot->from_where = ComputedByWhere(e);
  Slot* raw = slot.get();
  slots_.push_back(std::move(slot));
  slots_by_key_[KeyOf(e)] = raw;
  return KernelPtr(new SharedUseKernel(raw));
}

void SubexpressionCache::BeginFrame() {
  ++frame_.epoch;
  frame_.parent_epoch = 0;
  frame_.selection = nullptr;
  frame_.narrowed = false;
  frame_.selected = 0;
}

void SubexpressionCache::Narrow(const int32_t* selection, int64_t count, const EvalInput& input) {
  frame_.parent = input;
  frame_.narrowed = true;
  frame_.parent_epoch = frame_.epoch;
  ++frame_.epoch;
  frame_.selection = selection;
  frame_.selected = count;
}

void SubexpressionCache::EndBatch() {
  for (auto& s : slots_) {
    s->cached = Vec{};
    s->cached_epoch = 0;
  }
  frame_.parent_epoch = 0;
  frame_.selection = nullptr;
  frame_.narrowed = false;
  frame_.parent = EvalInput{};
}

std::vector<SharedSubexpressionStats> SubexpressionCache::Stats() const {
  std::vector<SharedSubexpressionStats> out;
  for (const auto& s : slots_) out.push_back({s->text, s->uses, s->evaluations, s->gathers});
  return out;
}

}  // namespace sluice::sql
