"""What the platform chart gives payments and notifications: settings each service's own
Settings class accepts, the webhook secret the chart generates, the deliver worker, the
mail server on kind and in production, and egress only where each needs it."""

import base64
import importlib

import pytest

from mercado_platform.config import load_settings

from .support import INFRA, PLATFORM, PRODUCTION, named, of_kind

FAKE_SECRETS = {
    "DATABASE_URL": "postgresql://u:p@db:5432/x",
    "AMQP_URL": "amqp://u:p@mq:5672/%2F",
    "STRIPE_API_KEY": "sk_test_chart",
    "SMTP_USERNAME": "mercado",
    "SMTP_PASSWORD": "a-real-password",
}


def _container(doc: dict) -> dict:
    return doc["spec"]["template"]["spec"]["containers"][0]


def _env(docs: list[dict], deployment: str) -> dict[str, dict]:
    """NAME -> its env entry, of the Deployment's container."""
    return {e["name"]: e for e in _container(named(docs, "Deployment", deployment))["env"]}


def _secret_value(docs: list[dict], ref: dict) -> str:
    secret = named(docs, "Secret", ref["name"])
    return base64.b64decode(secret["data"][ref["key"]]).decode()


def _settings(monkeypatch, docs: list[dict], service: str, deployment: str):
    """The service's own Settings, loaded from the container's environment as rendered
    (generated Secrets read from the manifests, users' Secrets faked)."""
    for name, entry in _env(docs, deployment).items():
        if "value" in entry:
            value = entry["value"]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            generated = [d for d in of_kind(docs, "Secret") if d["metadata"]["name"] == ref["name"]]
            value = _secret_value(docs, ref) if generated else FAKE_SECRETS[name]
        monkeypatch.setenv(name, value)
    module = importlib.import_module(f"mercado_{service}.config")
    return load_settings(module.Settings)


def test_payments_on_kind_uses_the_local_provider_and_a_generated_webhook_secret(helm, monkeypatch):
    docs = helm.template(PLATFORM)
    for deployment in ("mercado-payments", "mercado-payments-consumer"):
        settings = _settings(monkeypatch, docs, "payments", deployment)
        assert settings.payment_provider == "local"
        assert settings.public_url == "http://localhost:8080"
        assert settings.stripe_webhook_secret.startswith("whsec_")
        assert len(settings.stripe_webhook_secret) == len("whsec_") + 40
    ref = _env(docs, "mercado-payments")["STRIPE_WEBHOOK_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "mercado-payments-stripe", "key": "webhook-secret"}
    elsewhere = helm.template(PLATFORM, "--set", "gateway.publicUrl=https://shop.example.org")
    public = _env(elsewhere, "mercado-payments")["PUBLIC_URL"]["value"]
    assert public == "https://shop.example.org", "one value: the gateway's address"
    assert _secret_value(docs, ref) != _secret_value(elsewhere, ref), "random when first made"


def test_payments_in_production_uses_stripe_with_the_users_secrets(helm, monkeypatch):
    docs = helm.template(PLATFORM, "-f", str(PRODUCTION))
    env = _env(docs, "mercado-payments-consumer")
    assert {
        name: env[name]["valueFrom"]["secretKeyRef"]
        for name in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET")
    } == {
        "STRIPE_API_KEY": {"name": "mercado-stripe", "key": "api-key"},
        "STRIPE_WEBHOOK_SECRET": {"name": "mercado-stripe", "key": "webhook-secret"},
    }
    assert not [d for d in of_kind(docs, "Secret") if "payments" in d["metadata"]["name"]]
    monkeypatch.setitem(FAKE_SECRETS, "STRIPE_WEBHOOK_SECRET", "whsec_from_stripe")
    settings = _settings(monkeypatch, docs, "payments", "mercado-payments-consumer")
    assert settings.payment_provider == "stripe"
    assert settings.public_url == "https://shop.example.com"
    assert (settings.stripe_api_key, settings.stripe_webhook_secret) == (
        "sk_test_chart",
        "whsec_from_stripe",
    )


def test_notifications_delivers_to_mailpit_on_kind_and_a_real_server_in_production(
    helm, monkeypatch
):
    kind = helm.template(PLATFORM)
    for deployment in ("mercado-notifications-consumer", "mercado-notifications-deliver"):
        settings = _settings(monkeypatch, kind, "notifications", deployment)
        assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
            "mercado-mailpit",
            1025,
            "none",
        )
        assert settings.staff_addresses == ("staff@mercado.local",)
    mailpit = named(helm.template(INFRA), "Service", "mercado-mailpit")["spec"]["ports"]
    assert {"name": "smtp", "port": 1025, "targetPort": "smtp"} in mailpit

    production = helm.template(PLATFORM, "-f", str(PRODUCTION))
    settings = _settings(monkeypatch, production, "notifications", "mercado-notifications-deliver")
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "smtp.example.com",
        587,
        "starttls",
    )
    assert settings.smtp_username == "mercado"
    assert settings.smtp_password.get_secret_value() == "a-real-password"
    deliver = named(production, "Deployment", "mercado-notifications-deliver")
    assert deliver["spec"]["replicas"] == 1


def _egress(docs: list[dict], service: str) -> list[dict]:
    policy = named(docs, "NetworkPolicy", f"mercado-{service}-egress")["spec"]
    assert policy["policyTypes"] == ["Egress"]
    assert policy["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "mercado",
        "app.kubernetes.io/name": service,
    }, "every pod of the service: API, relay, consumer, workers, migration"
    return policy["egress"]


def _ports(rules: list[dict]) -> set[int]:
    return {port["port"] for rule in rules for port in rule.get("ports", [])}


def test_egress_only_where_each_service_needs_it(helm):
    kind = helm.template(PLATFORM)
    base = {53, 5432, 5672}
    assert _ports(_egress(kind, "orders")) == base
    assert _ports(_egress(kind, "payments")) == base, "the local provider calls nothing outside"
    mail = _egress(kind, "notifications")[-1]
    assert mail["ports"] == [{"port": 1025}]
    assert mail["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "mailpit"

    production = helm.template(PLATFORM, "-f", str(PRODUCTION))
    stripe = _egress(production, "payments")[-1]
    assert stripe["ports"] == [{"port": 443}]
    assert stripe["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert _ports(_egress(production, "notifications")) == {53, 5432, 5671, 5672, 587}
    assert 443 not in _ports(_egress(production, "orders"))

    open_egress = helm.template(PLATFORM, "--set", "networkPolicies.egress.restrict=false")
    assert not [
        d for d in of_kind(open_egress, "NetworkPolicy") if "egress" in d["metadata"]["name"]
    ]


def test_a_secret_env_naming_an_unknown_generated_secret_is_refused(helm):
    done = helm.run(
        "template",
        "m",
        str(PLATFORM),
        "--set",
        "services.users.secretEnv.JWT_SIGNING_KEY.generated=jwt",
        "--set",
        "services.users.secretEnv.JWT_SIGNING_KEY.key=private-key",
        check=False,
    )
    assert done.returncode != 0
    assert "services.users.secretEnv.JWT_SIGNING_KEY: no generatedSecrets.jwt" in done.stderr


def test_generated_secrets_are_generic(helm):
    values = {
        "services": {
            "users": {
                "generatedSecrets": {"jwt": {"seed": {"length": 64}}},
                "secretEnv": {"JWT_SEED": {"generated": "jwt", "key": "seed"}},
            }
        }
    }
    docs = helm.template(PLATFORM, values=values)
    ref = _env(docs, "mercado-users")["JWT_SEED"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "mercado-users-jwt", "key": "seed"}
    assert len(_secret_value(docs, ref)) == 64
    clash = {"services": {"users": {"generatedSecrets": {"db": {"url": {}}}}}}
    done = helm.run("template", "m", str(PLATFORM), values=clash, check=False)
    assert "services.users.generatedSecrets.db: db and amqp name the operator's Secrets" in (
        done.stderr
    )


@pytest.mark.parametrize("production", [False, True], ids=["kind", "production"])
def test_dev_infra_mail_catcher(helm, production):
    args = ["--set", "mailpit.enabled=false"] if production else []
    docs = helm.template(INFRA, *args)
    if production:
        assert not [d for d in docs if "mailpit" in d["metadata"]["name"]]
        return
    pod = named(docs, "Deployment", "mercado-mailpit")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"].startswith("axllent/mailpit:v"), "a pinned tag"
    assert {p["containerPort"] for p in container["ports"]} == {1025, 8025}
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    policy = named(docs, "NetworkPolicy", "mercado-mailpit")["spec"]
    assert policy["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {},
                    "podSelector": {
                        "matchExpressions": [
                            {
                                "key": "app.kubernetes.io/part-of",
                                "operator": "In",
                                "values": ["mercado"],
                            },
                            {
                                "key": "app.kubernetes.io/component",
                                "operator": "NotIn",
                                "values": ["gateway"],
                            },
                        ]
                    },
                }
            ],
            "ports": [{"port": "smtp"}],
        }
    ], "SMTP from Mercado's pods; the web UI through kubectl port-forward"
