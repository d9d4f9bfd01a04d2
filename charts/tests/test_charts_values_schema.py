"""values.schema.json: bad values stop `helm` before anything is rendered, saying where and
what is wrong."""

import pytest

from .support import DEV, PLATFORM, PRODUCTION

BAD = [
    (
        "services.users.api.replicas=two",
        "at '/services/users/api/replicas': got string, want integer",
    ),
    (
        "services.orders.api.replica=2",
        "at '/services/orders/api': additional properties 'replica' not allowed",
    ),
    ("service.orders.enabled=false", "additional properties 'service' not allowed"),
    (
        "gateway.clientMaxBodySize=1mb",
        "at '/gateway/clientMaxBodySize': '1mb' does not match pattern",
    ),
    ("services.orders.routes[0]=/api/orders/", "at '/services/orders/routes/0'"),
    (
        "gateway.service.nodePort=8080",
        "at '/gateway/service/nodePort': minimum: got 8,080, want 30,000",
    ),
    ("gateway.service.type=Public", "at '/gateway/service/type'"),
    ("infrastructure.deletionPolicy=Drop", "at '/infrastructure/deletionPolicy'"),
    ("services.orders.database.name=Orders-DB", "at '/services/orders/database/name'"),
    (
        "services.orders.env.bad-name=x",
        "at '/services/orders/env': additional properties 'bad-name' not allowed",
    ),
    ("services.Shop.enabled=true", "at '/services': additional properties 'Shop' not allowed"),
    ("gateway.upstreams.users=localhost", "at '/gateway/upstreams/users'"),
    (
        "serviceDefaults.api.autoscaling.targetCPUUtilizationPercentage=150",
        "maximum: got 150, want 100",
    ),
    (
        "services.payments.generatedSecrets.stripe.webhook-secret.length=8",
        "at '/services/payments/generatedSecrets/stripe/webhook-secret/length': minimum: got 8",
    ),
    (
        "services.payments.generatedSecrets.Stripe.key.length=20",
        "at '/services/payments/generatedSecrets': additional properties 'Stripe' not allowed",
    ),
    ("gateway.publicUrl=localhost:8080", "at '/gateway/publicUrl': 'localhost:8080' does not"),
    ("gateway.publicUrl=http://localhost:8080/", "at '/gateway/publicUrl'"),
    ("networkPolicies.egress.restrict=yes", "at '/networkPolicies/egress/restrict': got string"),
    ("services.notifications.egress=smtp", "at '/services/notifications/egress': got string"),
]


@pytest.mark.parametrize(("setting", "message"), BAD, ids=[s for s, _ in BAD])
def test_bad_values_are_refused_with_where_and_why(helm, setting, message):
    done = helm.run("template", "mercado", str(PLATFORM), "--set", setting, check=False)
    assert done.returncode != 0
    assert "values don't meet the specifications of the schema" in done.stderr
    assert message in done.stderr, done.stderr


def test_a_secret_env_needs_its_secret_and_key(helm):
    done = helm.run(
        "template",
        "m",
        str(PLATFORM),
        "--set",
        "services.users.secretEnv.JWT_SIGNING_KEY.key=k",
        check=False,
    )
    assert (
        "at '/services/users/secretEnv/JWT_SIGNING_KEY': missing property 'secretName'"
        in done.stderr
    )


def test_a_secret_env_is_a_secret_or_a_generated_one_not_both(helm):
    done = helm.run(
        "template",
        "m",
        str(PLATFORM),
        "--set",
        "services.payments.secretEnv.STRIPE_WEBHOOK_SECRET.secretName=stripe",
        check=False,
    )
    assert (
        "services.payments.secretEnv.STRIPE_WEBHOOK_SECRET: secretName or generated, not both"
        in done.stderr
    )


def test_the_shipped_values_meet_the_schema(helm):
    helm.run("template", "m", str(PLATFORM))
    helm.run("template", "m", str(PLATFORM), "-f", str(PRODUCTION))
    helm.run("template", "m", str(PLATFORM), "-f", str(DEV))
