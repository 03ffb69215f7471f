#include <catch2/catch.hpp>

#include "actors/credit/serve_queue.hpp"

using namespace mantle::credit;
using namespace std::chrono_literals;
using clock_type = serve_queue::clock;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1000s;

serve_queue::limits kib_per_second() {
  serve_queue::limits l;
  l.rate = 1000; // bytes per second, bucket of one second
  return l;
}

} // namespace

TEST_CASE("rate 0 serves everything at once", "[credit][rate]") {
  serve_queue q({});
  for (uint64_t i = 0; i < 1000; ++i)
    CHECK(q.submit("A", 1 << 30, i, t0) == serve_queue::outcome::serve_now);
  CHECK(q.queued() == 0);
  CHECK_FALSE(q.next_release(t0));
}

TEST_CASE("the token bucket holds a peer to its rate", "[credit][rate]") {
  serve_queue q(kib_per_second());
  // A full bucket covers one second's worth at once.
  CHECK(q.submit("A", 600, 1, t0) == serve_queue::outcome::serve_now);
  CHECK(q.submit("A", 400, 2, t0) == serve_queue::outcome::serve_now);
  CHECK(q.submit("A", 500, 3, t0) == serve_queue::outcome::queued);
  CHECK(q.submit("A", 500, 4, t0) == serve_queue::outcome::queued);
  // Order within a peer is kept: a small request does not overtake a queued one.
  CHECK(q.submit("A", 1, 5, t0) == serve_queue::outcome::queued);
  CHECK(q.queued() == 3);
  CHECK(q.next_release(t0) == std::chrono::duration_cast<clock_type::duration>(500ms) + 1us);
  CHECK(q.release(t0 + 499ms).empty());
  CHECK(q.release(t0 + 500ms) == std::vector<uint64_t>{3});
  // The bucket is empty again after #4, so even 1 byte waits for its millisecond.
  CHECK(q.release(t0 + 1000ms) == std::vector<uint64_t>{4});
  CHECK(q.release(t0 + 1001ms) == std::vector<uint64_t>{5});
  CHECK(q.queued() == 0);
  CHECK_FALSE(q.next_release(t0 + 1001ms));
  // 2001 bytes went out in the first second: the full bucket plus one second of rate.
  CHECK(q.submit("A", 1000, 6, t0 + 1001ms) == serve_queue::outcome::queued);
  CHECK(q.release(t0 + 2000ms).empty());
  CHECK(q.release(t0 + 2001ms) == std::vector<uint64_t>{6});
}

TEST_CASE("a request larger than the bucket waits for a full bucket", "[credit][rate]") {
  serve_queue q(kib_per_second());
  CHECK(q.submit("A", 5000, 1, t0) == serve_queue::outcome::serve_now); // bucket full
  // The bucket is now 4000 in debt: 5 s until it is full again.
  CHECK(q.submit("A", 5000, 2, t0) == serve_queue::outcome::queued);
  CHECK(q.release(t0 + 4999ms).empty());
  CHECK(q.release(t0 + 5000ms) == std::vector<uint64_t>{2});
}

TEST_CASE("queued requests are released round-robin across peers", "[credit][rate][fair]") {
  serve_queue q(kib_per_second());
  // A floods first with 20 requests of a full second each; B comes later with 3.
  for (uint64_t i = 0; i < 20; ++i)
    q.submit("A", 1000, 100 + i, t0);
  for (uint64_t i = 0; i < 3; ++i)
    q.submit("B", 1000, 200 + i, t0 + 10ms);
  CHECK(q.queued("A") == 19);
  CHECK(q.queued("B") == 2);
  // Each second both get their turn: B is not stuck behind A's backlog.
  std::vector<uint64_t> order;
  for (int s = 1; s <= 3; ++s) {
    auto r = q.release(t0 + std::chrono::seconds(s) + 10ms);
    order.insert(order.end(), r.begin(), r.end());
  }
  CHECK(order == std::vector<uint64_t>{101, 201, 102, 202, 103});
  CHECK(q.queued("B") == 0);
  CHECK(q.queued("A") == 16);
}

TEST_CASE("a full queue refuses explicitly and one peer cannot take all of it", "[credit][rate][fair]") {
  serve_queue::limits l = kib_per_second();
  l.max_per_peer = 3;
  l.max_total = 4;
  serve_queue q(l);
  CHECK(q.submit("A", 1000, 1, t0) == serve_queue::outcome::serve_now);
  for (uint64_t i = 2; i <= 4; ++i)
    CHECK(q.submit("A", 1000, i, t0) == serve_queue::outcome::queued);
  CHECK(q.submit("A", 1000, 5, t0) == serve_queue::outcome::queue_full); // A's share is used up
  CHECK(q.submit("B", 1000, 6, t0) == serve_queue::outcome::serve_now);
  CHECK(q.submit("B", 1000, 7, t0) == serve_queue::outcome::queued); // still room for B
  CHECK(q.submit("C", 1000, 8, t0) == serve_queue::outcome::serve_now);
  CHECK(q.submit("C", 1000, 9, t0) == serve_queue::outcome::queue_full); // the whole queue is full
  CHECK(q.queued() == 4);
}

TEST_CASE("dropping a peer returns its waiting tickets", "[credit][rate]") {
  serve_queue q(kib_per_second());
  q.submit("A", 1000, 1, t0);
  q.submit("A", 1000, 2, t0);
  q.submit("A", 1000, 3, t0);
  q.submit("B", 1000, 4, t0);
  q.submit("B", 1000, 5, t0);
  CHECK(q.drop("A") == std::vector<uint64_t>{2, 3});
  CHECK(q.drop("nobody").empty());
  CHECK(q.queued() == 1);
  CHECK(q.release(t0 + 10s) == std::vector<uint64_t>{5});
  q.submit("B", 5000, 6, t0 + 10s);
  q.submit("B", 5000, 7, t0 + 10s);
  CHECK(q.drop_all() == std::vector<uint64_t>{6, 7}); // B's bucket was emptied by #5

  CHECK(q.queued() == 0);
}

TEST_CASE("a request whose turn would come after max_wait is refused at once", "[credit][rate]") {
  serve_queue::limits l = kib_per_second();
  l.max_wait = 3s;
  serve_queue q(l);
  CHECK(q.submit("A", 1000, 1, t0) == serve_queue::outcome::serve_now);
  // Each waiting second-sized request pushes the next one's turn a second later.
  CHECK(q.submit("A", 1000, 2, t0) == serve_queue::outcome::queued);     // turn at 1 s
  CHECK(q.submit("A", 1000, 3, t0) == serve_queue::outcome::queued);     // 2 s
  CHECK(q.submit("A", 1000, 4, t0) == serve_queue::outcome::queued);     // 3 s
  CHECK(q.submit("A", 1000, 5, t0) == serve_queue::outcome::queue_full); // would be 4 s
  CHECK(q.submit("B", 1000, 6, t0) == serve_queue::outcome::serve_now);  // other peers unaffected
  // Once the queue moves on there is room again.
  CHECK(q.release(t0 + 1s) == std::vector<uint64_t>{2});
  CHECK(q.submit("A", 1000, 7, t0 + 1s) == serve_queue::outcome::queued);
  CHECK(q.queued("A") == 3);
}
