#pragma once
/// \file autodiff/arena.hpp
/// `arena`: the memory a tape records into. Allocation bumps a pointer through blocks of bytes;
/// `clear()` forgets every allocation but keeps the blocks, so a tape reused step after step
/// stops allocating once it has seen its largest step.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace mixprec {

/// A bump allocator over blocks that are kept until the arena is destroyed.
///
/// Objects with a non-trivial destructor made with `make` are destroyed, newest first, by
/// `clear()` and by the destructor. Not thread-safe: one arena belongs to one tape, and one tape
/// to one thread at a time.
class arena {
 public:
  /// The size of the first block; later blocks double, up to 16 MiB.
  static constexpr std::size_t first_block_bytes = std::size_t{64} << 10;

  arena() = default;
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  arena(arena&& other) noexcept
      : blocks_(std::move(other.blocks_)),
        dtors_(std::move(other.dtors_)),
        current_(std::exchange(other.current_, 0)),
        offset_(std::exchange(other.offset_, 0)),
        used_(std::exchange(other.used_, 0)) {}
  arena& operator=(arena&& other) noexcept {
    if (this != &other) {
      destroy_objects();
      blocks_ = std::move(other.blocks_);
      dtors_ = std::move(other.dtors_);
      current_ = std::exchange(other.current_, 0);
      offset_ = std::exchange(other.offset_, 0);
      used_ = std::exchange(other.used_, 0);
    }
    return *this;
  }
  ~arena() { destroy_objects(); }

  /// `bytes` bytes aligned to `align` (a power of two no larger than alignof(max_align_t)).
  void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    for (;;) {
      if (current_ < blocks_.size()) {
        block& b = blocks_[current_];
        const std::size_t start = (offset_ + align - 1) & ~(align - 1);
        if (start + bytes <= b.size) {
          offset_ = start + bytes;
          used_ += bytes;
          return b.data.get() + start;
        }
        if (current_ + 1 < blocks_.size() && blocks_[current_ + 1].size >= bytes) {
          ++current_;
          offset_ = 0;
          continue;
        }
      }
      add_block(bytes);
    }
  }

  /// A T constructed in the arena. Its destructor, if not trivial, runs at clear().
  template <class T, class... Args>
  T* make(Args&&... args) {
    void* p = allocate(sizeof(T), alignof(T));
    T* obj = ::new (p) T(std::forward<Args>(args)...);
    if constexpr (!std::is_trivially_destructible_v<T>) {
      dtors_.push_back({obj, [](void* q) noexcept { static_cast<T*>(q)->~T(); }});
    }
    return obj;
  }

  /// Space for `n` default-initialised Ts (T trivially destructible).
  template <class T>
  T* make_array(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    void* p = allocate(sizeof(T) * n, alignof(T));
    return ::new (p) T[n];
  }

  /// Destroys the objects made with `make` and forgets every allocation; keeps the blocks.
  void clear() noexcept {
    destroy_objects();
    current_ = 0;
    offset_ = 0;
    used_ = 0;
  }

  /// Bytes handed out since the last clear().
  std::size_t bytes_used() const noexcept { return used_; }
  /// Bytes held in blocks (what the arena has taken from the system).
  std::size_t bytes_reserved() const noexcept {
    std::size_t total = 0;
    for (const block& b : blocks_) total += b.size;
    return total;
  }

 private:
  struct block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size;
  };
  struct dtor {
    void* object;
    void (*destroy)(void*) noexcept;
  };

  void add_block(std::size_t at_least) {
    std::size_t size = blocks_.empty() ? first_block_bytes
                                       : std::min<std::size_t>(blocks_.back().size * 2, 16 << 20);
    size = std::max(size, at_least + alignof(std::max_align_t));
    // A new block goes after the current one; blocks beyond it (too small for this request)
    // stay for later steps.
    blocks_.insert(
        blocks_.begin() + static_cast<std::ptrdiff_t>(blocks_.empty() ? 0 : current_ + 1),
        block{std::make_unique<std::byte[]>(size), size});
    if (!blocks_.empty() && blocks_.size() > 1) ++current_;
    offset_ = 0;
  }

  void destroy_objects() noexcept {
    for (auto it = dtors_.rbegin(); it != dtors_.rend(); ++it) it->destroy(it->object);
    dtors_.clear();
  }

  std::vector<block> blocks_;
  std::vector<dtor> dtors_;
  std::size_t current_ = 0;
  std::size_t offset_ = 0;
  std::size_t used_ = 0;
};

}  // namespace mixprec
