// lru_cache.hpp — a thread-safe cache of shared values bounded by bytes: the least recently used
// entries go first; a value is built once per key even when several threads ask for it at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace voxtrain {

template <class Key, class Value>
class LruCache {
 public:
  using Ptr = std::shared_ptr<const Value>;
  // byte_budget: the sum of size_of(value) kept; the entry just built is kept even when larger.
  LruCache(std::size_t byte_budget, std::function<std::size_t(const Value&)> size_of)
      : budget_(byte_budget), size_of_(std::move(size_of)) {}

  // The cached value for key, or make() (called without the lock, once per key at a time).
  Ptr get(const Key& key, const std::function<Value()>& make) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (auto it = entries_.find(key); it != entries_.end()) {
        order_.splice(order_.begin(), order_, it->second.position);
        ++hits_;
        return it->second.value;
      }
      if (!building_.contains(key)) break;
      built_.wait(lock);  // another thread is making it
    }
    building_.insert(key);
    lock.unlock();
    Ptr value;
    try {
      value = std::make_shared<const Value>(make());
    } catch (...) {
      lock.lock();
      building_.erase(key);
      built_.notify_all();
      throw;
    }
    lock.lock();
    building_.erase(key);
    ++misses_;
    const std::size_t bytes = size_of_(*value);
    order_.push_front(key);
    entries_[key] = Entry{value, bytes, order_.begin()};
    bytes_ += bytes;
    while (bytes_ > budget_ && order_.size() > 1) evict_oldest();
    built_.notify_all();
    return value;
  }

  std::size_t bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }
  std::size_t hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }
  std::size_t misses() const {
    std::lock_guard lock(mutex_);
    return misses_;
  }

 private:
  struct Entry {
    Ptr value;
    std::size_t bytes = 0;
    typename std::list<Key>::iterator position;
  };
  void evict_oldest() {
    const Key oldest = order_.back();
    order_.pop_back();
    auto it = entries_.find(oldest);
    bytes_ -= it->second.bytes;
    entries_.erase(it);
  }

  mutable std::mutex mutex_;
  std::condition_variable built_;
  std::size_t budget_;
  std::function<std::size_t(const Value&)> size_of_;
  std::map<Key, Entry> entries_;
  std::list<Key> order_;  // most recently used first
  std::set<Key> building_;
  std::size_t bytes_ = 0, hits_ = 0, misses_ = 0;
};

}  // namespace voxtrain
