"""The desk in a browser (`correspondence web`): server-side pages over the night's own database and folders.

Flask, because it is small and well kept, and its extensions give what a desk for legal correspondence must have
without a build step: Flask-Login (sessions), Flask-WTF (forms with a CSRF token on every POST), Flask-Limiter
(login attempts). Every page but /login and /healthz needs a signed-in, enabled desk user, and its role is
checked on the server (correspondence/desk/people.py); every action goes to the audit log. Wording per language
in wording/, markup in pages/: neither is in this file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import Flask, g, jsonify, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import CSRFProtect, FlaskForm
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from correspondence.config import Settings
from correspondence.desk import audit, people
from correspondence.store import existing
from scheduler.run_record import nights
from scheduler.web import access, mailroom, reviewing, runs
from scheduler.web.access import BRUSSELS
from scheduler.web.words import BABEL, DESK_LANGUAGES, HERE, wording

LOGIN_LIMIT = "10 per minute"  # refused attempts per address: enough for typos, far too few to guess a passphrase
SESSION_HOURS = 9  # a working day; then one signs in again


class _User(UserMixin):  # type: ignore[misc]
    def __init__(self, person: people.Person) -> None:
        self.person = person
        self.id = person.name


class LoginForm(FlaskForm):  # type: ignore[misc]
    name = StringField(validators=[DataRequired(), Length(max=60)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


class PostForm(FlaskForm):  # type: ignore[misc]
    """A form with nothing but its CSRF token (sign out, and the buttons of later pages)."""


def create_app(settings: Settings, secret: bytes, *, proxied: bool = False, engine: Engine | None = None) -> Flask:
    """The desk over the night's database and folders. `secret` signs the session cookies and CSRF tokens;
    `proxied`: behind one reverse proxy whose X-Forwarded-For/-Proto/-Host are trusted (the client's address for
    the login limit)."""
    engine = engine or existing(settings.db_url)
    app = Flask(__name__, template_folder=str(HERE / "pages"), static_folder=None)
    app.extensions[access.KEY] = access.Desk(settings, engine)
    app.config.update(
        SECRET_KEY=secret, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=proxied,  # behind the TLS proxy the cookie never travels in clear
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS), REMEMBER_COOKIE_DURATION=timedelta(0),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
    )
    if proxied:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    CSRFProtect(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[])
    logins = LoginManager(app)
    logins.login_view = "login"
    logins.login_message = ""

    @logins.user_loader
    def load(name: str) -> _User | None:
        with engine.connect() as connection:
            person = people.find(connection, name)
        return _User(person) if person is not None and not person.disabled else None

    def chosen_language() -> str:
        chosen = session.get("lang")
        return chosen if chosen in DESK_LANGUAGES else (request.accept_languages.best_match(DESK_LANGUAGES) or "nl")

    @app.before_request
    def language() -> None:
        g.lang = chosen_language()

    @app.context_processor
    def helpers() -> dict[str, Any]:
        if "lang" not in g:  # a request refused before the desk's own checks ran (a missing form token: 400)
            g.lang = chosen_language()
        words = wording(g.lang)

        def when(moment: datetime | str | None) -> str:
            if moment is None:
                return ""
            if isinstance(moment, str):  # ISO 8601, as the import record and the night's summary give it
                moment = datetime.fromisoformat(moment)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored in UTC (SQLite drops the zone)
            return f"{format_datetime(moment, 'short', tzinfo=BRUSSELS, locale=BABEL[g.lang])} ({words['brussels']})"

        def seconds(value: float | None) -> str:
            """Seconds to a tenth, with the language's decimal mark (30,1 in Dutch and French)."""
            return "" if value is None else format_decimal(value, "#,##0.0", locale=BABEL[g.lang])

        return {"t": lambda key: words.get(key, key), "lang": g.lang,
                "languages": DESK_LANGUAGES, "when": when, "seconds": seconds,
                "kind": lambda code: words.get(f"type.{code}", code),  # a letter type by its name
                "post": PostForm(), "day": access.day,
                "user": current_user.person if current_user.is_authenticated else None}

    def _fresh_session() -> None:
        """Nothing of the session before signing in or out is kept but the language chosen."""
        chosen = session.get("lang")
        session.clear()
        if chosen in DESK_LANGUAGES:
            session["lang"] = chosen

    @app.get("/healthz")
    def healthz() -> Any:
        """For monitoring: 200 and the last completed night (null before the first)."""
        with engine.connect() as connection:
            done = [n for n in nights(connection) if n["status"] == "complete"]
        return jsonify({"status": "ok", "last_completed_night": done[0] if done else None})

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(LOGIN_LIMIT, methods=["POST"], deduct_when=lambda answer: answer.status_code == 401)
    def login() -> Any:  # only refused sign-ins count: an office signing in at nine behind one address is not refused
        form = LoginForm()
        refused = False
        if form.validate_on_submit():
            name = form.name.data.strip().lower()
            with engine.begin() as connection:
                person = people.authenticate(connection, name, form.password.data)
            if person is not None:
                _fresh_session()
                session.permanent = True
                login_user(_User(person))
                access.note("login")
                return redirect(_local(request.args.get("next")) or url_for("home"))
            refused = True
            # the name only if it could be one (never a password typed into the wrong field)
            access.note("login refused", name=name if people.valid_name(name) else "(not a desk name)")
        return render_template("login.html", form=form, refused=refused), 401 if refused else 200

    @app.post("/logout")
    @login_required  # type: ignore[misc]
    def logout() -> Any:
        access.note("logout")
        logout_user()
        _fresh_session()
        return redirect(url_for("login"))

    @app.get("/lang/<code>")
    def choose(code: str) -> Any:
        if code in DESK_LANGUAGES:
            session["lang"] = code
        referrer = urlsplit(request.referrer or "")  # back to the page the language was chosen on
        back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return redirect((referrer.netloc == request.host and _local(back)) or url_for("home"))

    @app.get("/")
    @login_required  # type: ignore[misc]
    def home() -> Any:
        return render_template("home.html")

    @app.get("/audit")
    @access.requires()  # admin only
    def audit_log() -> Any:
        with engine.connect() as connection:
            return render_template("audit.html", entries=audit.latest(connection))

    app.register_blueprint(reviewing.pages)
    app.register_blueprint(mailroom.pages)
    app.register_blueprint(runs.pages)

    @app.errorhandler(403)
    def forbidden(_: Exception) -> Any:
        return render_template("refused.html"), 403

    @app.errorhandler(404)
    def not_found(_: Exception) -> Any:
        return render_template("problem.html", problem="not_found"), 404

    @app.errorhandler(400)
    def bad_request(_: Exception) -> Any:
        return render_template("problem.html", problem="bad_request"), 400

    @app.errorhandler(429)
    def too_many(_: Exception) -> Any:
        return render_template("login.html", form=LoginForm(), too_many=True), 429

    return app


def _local(target: str | None) -> str | None:
    """`target` if it is a path on this desk ("/runs/2026-12-05?x=1"), else None: never another site's address."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
