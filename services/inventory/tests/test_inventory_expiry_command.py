"""`mercado-inventory expire-reservations` as a process: once, and looping through a
database outage until SIGTERM."""

import signal

from mercado_platform.testing.polling import eventually


def test_once_releases_what_is_due_and_exits(command, inventory, orders):
    mug = inventory.add_product(on_hand=5)
    inventory.handle(orders.placed("order-a", (mug, 2)))
    inventory.handle(orders.placed("order-b", (mug, 1)))
    inventory.execute("UPDATE reservations SET expires_at = now() WHERE order_id = 'order-a'")
    once = command("expire-reservations", "--once")
    out, _ = once.communicate(timeout=60)
    assert (once.returncode, out) == (0, "released 1 expired reservation(s)\n"), (
        once.log.read_text()
    )
    assert inventory.product(mug).reserved == 1
    assert [e["order_id"] for e in inventory.events("stock.released")] == ["order-a"]


def test_the_loop_rides_out_a_database_outage_and_stops_on_sigterm(
    command, disposable_postgres, open_inventory, orders
):
    url = disposable_postgres.url()
    own = open_inventory(url)
    loop = command("expire-reservations", "--interval", "0.2", DATABASE_URL=url)
    disposable_postgres.stop()
    eventually(lambda: "unavailable" in loop.log.read_text(), what="the outage noticed")
    disposable_postgres.start()
    mug = own.add_product(on_hand=5)
    own.handle(orders.placed("order-a", (mug, 2)))
    own.execute("UPDATE reservations SET expires_at = now() WHERE order_id = 'order-a'")
    eventually(lambda: own.product(mug).reserved == 0, what="expiry after the outage")
    loop.send_signal(signal.SIGTERM)
    assert loop.wait(30) == 0
