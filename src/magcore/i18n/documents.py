"""The English source of the texts in magcore's documents: the regulation, the register of
processing activities, the subject-access page, the statistics' unit names and the team
measurement page.

Like :mod:`magcore.i18n.source`, these are extracted by ``make messages`` (``pybabel extract``,
keywords ``N_:1c,2`` and ``T_``) into ``locale/magcore.pot``; the Dutch and Frisian texts are in
``locale/<tag>/LC_MESSAGES/magcore.po``. A module reads its table with
:func:`magcore.i18n.table` (``table("regulation")``: every language in which each of those
texts is written). ``DATA_TEXTS`` are the English texts of magcore's own data (the processing
register's activities, the retention profiles' titles): their translations are data texts (no
context), found by the English text like a plugin's form labels.
"""

from __future__ import annotations

from .source import N_, Source

__all__ = ["DATA_TEXTS", "DOCUMENTS", "T_"]


def T_(text: str) -> str:
    """Mark *text* (English) as a data text of magcore's own, for extraction."""
    return text


#: Every text of magcore's documents (English source; other languages in ``locale/``).
DOCUMENTS: tuple[Source, ...] = (
    N_("regulation.title", "Regulation for the conversation cycle"),
    N_("regulation.version", "version"),
    N_(
        "regulation.intro",
        "This regulation describes how the conversations work, what we record, who may see "
        "what, and how long we keep it.",
    ),
    N_("regulation.kinds", "Kinds of conversation and how often"),
    N_("regulation.who_takes_part", "Who takes part"),
    N_("regulation.who_starts", "Who can ask for the conversation"),
    N_("regulation.who_prepares", "Who prepares"),
    N_("regulation.themes", "Themes"),
    N_("regulation.recorded", "What we record"),
    N_(
        "regulation.special",
        "This may hold health data (special-category personal data). Only the participants see "
        "it, unless you choose to share it yourself. It never appears in HR overviews or "
        "research data.",
    ),
    N_("regulation.special_kind_title", "Special-category conversation."),
    N_(
        "regulation.special_kind",
        "The whole conversation is about special categories of personal data (for example "
        "health). This means: only the people who take part in it see what is in it. Nobody "
        "else sees it because of a legal basis or because of their role. Only the employee can "
        "share it, and only by their own explicit choice. It never appears in HR overviews or "
        "research data.",
    ),
    N_("regulation.who_sees", "Who sees what, and when"),
    N_("regulation.no_score", "No score"),
    N_(
        "regulation.no_score_text",
        "Nobody gets a grade, score, rating or rank in these conversations. The system cannot "
        "record one: a form with a score is refused.",
    ),
    N_("regulation.retention", "How long we keep data"),
    N_("regulation.research", "What researchers and the works council get"),
    N_(
        "regulation.research_text",
        "Only counts about participation (conversations held, agreements made) per team, "
        "department and period. A count about fewer than {k} people is not shown, nor any count"
        " from which such a number could be worked out. Never the content of conversations and "
        "never special-category data.",
    ),
    N_("regulation.approval", "Consent and adoption"),
    N_(
        "regulation.approval_text",
        "This version applies only once these bodies have approved it: {bodies}. Conversations "
        "keep the version they started under.",
    ),
    N_("regulation.hash", "Fingerprint of this regulation (SHA-256)"),
    N_("regulation.cadence_free", "no fixed schedule; you agree together when"),
    N_("regulation.cadence_per_year", "at least {n} times a year"),
    N_("regulation.cadence_interval", "every {n} months"),
    N_("regulation.cadence_after_hire", "{first} months after joining, then every {n} months"),
    N_("regulation.minutes", "about {n} minutes"),
    N_("regulation.part", "Part"),
    N_("regulation.readers", "Who may see it"),
    N_("regulation.field", "Data"),
    N_("regulation.category", "Kind"),
    N_("regulation.purpose", "Purpose"),
    N_("regulation.sensitivity", "Sensitivity"),
    N_("regulation.legal", "Legal bases"),
    N_("regulation.legal_none", "No other legal bases are declared."),
    N_("regulation.observers", "Connections that receive content"),
    N_(
        "regulation.observers_none",
        "Connections (plugins) hear only what happened, when and by whom; no content of "
        "conversations.",
    ),
    N_("regulation.roles", "Roles that can read something"),
    N_("regulation.role.employee", "employee"),
    N_("regulation.role.manager", "manager"),
    N_("regulation.role.peer", "peer"),
    N_("regulation.role.coach", "coach"),
    N_("regulation.role.team_member", "team member"),
    N_("regulation.role.next_manager", "next manager"),
    N_("regulation.role.hr_adviser", "HR adviser"),
    N_("regulation.role.researcher", "researcher"),
    N_("regulation.role.works_council", "works council"),
    N_("regulation.role.privacy_officer", "privacy officer"),
    N_("regulation.role.executive", "municipal executive"),
    N_("regulation.access.0.part", "Record, agreements, topics"),
    N_(
        "regulation.access.0.who",
        "The participants in the conversation. Others only if the employee chooses so (a "
        "sharing choice: to whom, what, for which purpose and until when; revocable at any "
        "time), or under a legal basis listed below.",
    ),
    N_("regulation.access.1.part", "Preparation"),
    N_(
        "regulation.access.1.who",
        "Only its author until they publish it; then also the other participants (once they "
        "have published their own, or after the conversation). A request for access shows the "
        "employee the other side's preparation only then, too.",
    ),
    N_("regulation.access.2.part", "Private note"),
    N_(
        "regulation.access.2.who",
        "Only its author. Nobody can share it. When the employee it is about asks for access "
        "(GDPR article 15), they do get to see it: what someone writes about another person is "
        "that person's personal data (EDPB guidelines 01/2022). Write a note so that the "
        "employee may read it.",
    ),
    N_("regulation.access.3.part", "Response and note of disagreement"),
    N_(
        "regulation.access.3.who",
        "The participants. A correction never overwrites what the other side wrote.",
    ),
    N_("regulation.access.4.part", "New manager"),
    N_(
        "regulation.access.4.who",
        "Sees nothing of earlier conversations, not even the open agreements carried into the "
        "new conversation, until the employee chooses what carries over (a 'handover' sharing "
        "choice; for example open agreements and goals yes, notes no).",
    ),
    N_(
        "regulation.profile_line",
        "Carries a profile ({profile}: {fields}, from {source}): shown again in the "
        "employee's next conversation of that profile",
    ),
    N_("regulation.profile_source.preparation", "the employee's own preparation"),
    N_("regulation.profile_source.record", "the record as every participant confirmed it"),
    N_(
        "regulation.profile_access.carried.part",
        'Profile from last time ("last time you wrote")',
    ),
    N_(
        "regulation.profile_access.carried.who",
        "What the employee wrote in the fields of a profile is shown again in their next "
        "conversation of that profile, and they may start from it. It is seen there by the "
        "people who took part in the conversation where it was written. A new manager sees it "
        "only if the employee chooses so (a 'handover' sharing choice that covers 'profile'). "
        "Fields that may hold health data need a choice for the whole record. Nothing is "
        "copied: it is read from the earlier record and erased with it.",
    ),
    N_("regulation.profile_access.overview.part", "The manager's overview of profiles"),
    N_(
        "regulation.profile_access.overview.who",
        "Only the profiles of employees whose own sharing choice for this overview "
        "('profile_overview', covering 'profile' or the whole record) holds at that moment. "
        "Fields that may hold health data need a choice for the whole record. Revoking the "
        "choice takes the profile out at once. The overview holds no counts, scores or "
        "rankings of anyone.",
    ),
    N_("regulation.access.5.part", "Restricted record (GDPR article 18)"),
    N_("regulation.access.5.who", "Only the privacy officer (privacy_officer)."),
    N_("regulation.access.6.part", "Works council and researchers"),
    N_("regulation.access.6.who", "Only counts about participation, never content."),
    N_("parties.required", "required"),
    N_("parties.optional", "may take part (optional)"),
    N_("parties.count_one", "1 person"),
    N_("parties.count_range", "{min} to {max} people"),
    N_("parties.count_open", "{min} or more people"),
    N_("parties.no_confirm", "does not confirm the record"),
    N_("parties.no_record", "does not write in the record"),
    N_("parties.subject", "the employee the conversation is about"),
    N_("parties.manager_of_employee", "the employee's manager on the day"),
    N_("parties.same_team", "someone from the employee's team"),
    N_("parties.coach_pool", "someone from the coach pool (not the employee or their manager)"),
    N_(
        "parties.other_team",
        "someone employed on the day from outside the employee's team (not from their own "
        "team and not their manager)",
    ),
    N_("parties.team", "every member of the team"),
    N_("parties.organisation", "someone employed on the day"),
    N_(
        "parties.holds_role",
        "someone who holds the organisation role {role} on the day (not the employee or their "
        "manager)",
    ),
    N_("parties.parties", "Who takes part"),
    N_("parties.roles_title", "Roles of this cycle"),
    N_("parties.joined", "joins"),
    N_("parties.left", "leaves"),
    N_("parties.changed_team", "moves to another team"),
    N_("parties.changed_manager", "gets another manager"),
    N_("parties.returned", "comes back to work after a long absence"),
    N_(
        "parties.returned_after",
        "comes back to work after an absence of at least {n} days",
    ),
    N_(
        "parties.trigger",
        "starts when someone {event}: the conversation can take place {delay} and must take "
        "place within {window} days after that",
    ),
    N_("parties.delay_after", "from {n} days after that day"),
    N_("parties.delay_before", "from {n} days before that day"),
    N_("parties.delay_same", "from that day"),
    N_("register.title", "Processing activities (register, GDPR art. 30)"),
    N_("register.basis", "Legal basis"),
    N_("register.whom", "About whom"),
    N_("register.which", "Which data"),
    N_("subject_access.title", "Your data (subject access, GDPR article 15)"),
    N_("subject_access.person", "Person"),
    N_("subject_access.generated", "Generated at"),
    N_("subject_access.choices", "Your sharing choices"),
    N_("subject_access.about", "Conversations about you"),
    N_(
        "subject_access.took_part",
        "Conversations you took part in about someone else (reference only)",
    ),
    N_("subject_access.log", "Who read or changed your data"),
    N_("subject_access.none", "None."),
    N_("subject_access.destroyed", "Destroyed under the retention term."),
    N_("subject_access.erased_retention", "Destroyed on {day}: its retention term had ended."),
    N_(
        "subject_access.erased_request",
        "Erased on {day} on a request for erasure (GDPR article 17).",
    ),
    N_(
        "subject_access.erased_kept",
        "This record existed, but nothing of what was written in it is kept: only that it "
        "existed, and when.",
    ),
    N_("subject_access.retention_profile", "Retention profile"),
    N_("subject_access.erased_goals", "Your goals that were erased"),
    N_("subject_access.goal", "Goal {id}"),
    N_("subject_access.choice_destroyed", "{what}, of conversation {id}, since destroyed"),
    N_("subject_access.summary", "Record"),
    N_("subject_access.themes", "Themes discussed"),
    N_("subject_access.agreements", "Agreements"),
    N_("subject_access.preparations", "Preparations"),
    N_("subject_access.dissents", "Notes of disagreement"),
    N_("subject_access.responses", "Your responses"),
    N_("subject_access.notes", "Private notes"),
    N_("subject_access.topics", "Topics"),
    N_("subject_access.goals", "Your goals"),
    N_("subject_access.goals_work_on", "Goals of someone else you work on (reference only)"),
    N_("subject_access.progress", "Progress"),
    N_("subject_access.goal_link", "This goal is about {link}."),
    N_("subject_access.link_value", 'the value "{theme}"'),
    N_("subject_access.link_behaviour", 'the behaviour "{topic}" (value "{theme}")'),
    N_("subject_access.link_competence", 'the competence "{topic}" (value "{theme}")'),
    N_("subject_access.link_unknown", '"{link}" (cycle {cycle})'),
    N_(
        "subject_access.goal_agreement",
        "It comes from agreement {agreement} of conversation {conversation}.",
    ),
    N_("subject_access.goal_facts", "Status: {status}. Theme: {theme}. Agreed in: {agreed_in}."),
    N_("subject_access.conversation", "Conversation {id}"),
    N_("subject_access.kind", "Kind of conversation"),
    N_("subject_access.state", "State"),
    N_("subject_access.scheduled", "Scheduled for"),
    N_("subject_access.held_on", "Held on"),
    N_("subject_access.participants", "Who took part"),
    N_("subject_access.prepared_by", "Preparation by {who}"),
    N_("subject_access.shared_on", "shared on {day}"),
    N_("subject_access.not_shared", "not shared yet"),
    N_(
        "subject_access.intro",
        "This is everything magcore keeps about you, and who read or changed it. You can save "
        "or print this page.",
    ),
    N_("subject_access.employment", "Employed since {day}."),
    N_("subject_access.yes", "yes"),
    N_("subject_access.no", "no"),
    N_("subject_access.column.choice", "Choice"),
    N_("subject_access.column.to", "With whom"),
    N_("subject_access.column.what", "What"),
    N_("subject_access.column.purpose", "Purpose"),
    N_("subject_access.column.until", "Until"),
    N_("subject_access.column.granted_at", "Given on"),
    N_("subject_access.column.revoked_at", "Withdrawn on"),
    N_("subject_access.column.id", "Number"),
    N_("subject_access.column.text", "Text"),
    N_("subject_access.column.owner", "Who does it"),
    N_("subject_access.column.due", "Due"),
    N_("subject_access.column.status", "Status"),
    N_("subject_access.column.author", "Written by"),
    N_("subject_access.column.theme", "Theme"),
    N_("subject_access.column.answers", "Answers"),
    N_("subject_access.column.published_at", "Shared on"),
    N_("subject_access.column.at", "When"),
    N_("subject_access.column.about", "About"),
    N_("subject_access.column.kind", "Kind of conversation"),
    N_("subject_access.column.state", "State"),
    N_("subject_access.column.held_on", "Held on"),
    N_("subject_access.column.seq", "Line"),
    N_("subject_access.column.actor", "Who"),
    N_("subject_access.column.action", "Action"),
    N_("subject_access.column.object", "Data"),
    N_("subject_access.column.result", "Result"),
    N_("subject_access.column.reason", "Reason"),
    N_("words.role.employee", "employee"),
    N_("words.role.manager", "manager"),
    N_("words.role.peer", "peer"),
    N_("words.role.coach", "coach"),
    N_("words.role.team_member", "team member"),
    N_("words.role.next_manager", "next manager"),
    N_("words.role.hr", "HR"),
    N_("words.role.hr_adviser", "HR adviser"),
    N_("words.role.researcher", "researcher"),
    N_("words.role.works_council", "works council"),
    N_("words.role.privacy_officer", "privacy officer"),
    N_("words.role.company_doctor", "company doctor"),
    N_("words.role.career_coach", "career coach"),
    N_("words.state.requested", "requested"),
    N_("words.state.scheduled", "scheduled"),
    N_("words.state.prepared", "prepared"),
    N_("words.state.held", "held"),
    N_("words.state.record_drafted", "record drafted"),
    N_("words.state.agreed", "agreed by everyone"),
    N_("words.state.not_held", "not held"),
    N_("words.state.cancelled", "cancelled"),
    N_("words.state.open", "open"),
    N_("words.state.done", "done"),
    N_("words.state.dropped", "dropped"),
    N_("words.state.closed", "closed"),
    N_("words.state.achieved", "achieved"),
    N_("words.what.whole_record", "the whole record"),
    N_("words.what.agreements", "the agreements"),
    N_("words.what.goals", "the goals"),
    N_("words.what.theme:erased", "a theme"),
    N_("words.purpose.handover", "handover to a new manager"),
    N_("words.purpose.development", "development"),
    N_("words.purpose.advice", "advice"),
    N_("words.purpose.reintegration", "reintegration"),
    N_("words.purpose.conversation", "the conversation itself"),
    N_("words.purpose.subject_access", "subject access (GDPR art. 15)"),
    N_("words.purpose.hr_overview", "HR overview"),
    N_("words.purpose.research", "research"),
    N_("words.purpose.privacy_officer", "privacy supervision"),
    N_("words.purpose.notification", "message or invitation"),
    N_("words.owner.employee", "the employee"),
    N_("words.owner.manager", "the manager"),
    N_("words.owner.both", "together"),
    N_("words.result.done", "done"),
    N_("words.result.allowed", "allowed"),
    N_("words.result.denied", "refused"),
    N_("words.part.metadata", "that the talk exists"),
    N_("words.part.record", "record"),
    N_("words.part.answers", "answer"),
    N_("words.part.preparation", "preparation"),
    N_("words.part.agreement", "agreements"),
    N_("words.part.agreements", "agreements"),
    N_("words.part.topic", "topics"),
    N_("words.part.dissent", "note of disagreement"),
    N_("words.part.note", "private note"),
    N_("words.part.conversation", "conversation"),
    N_("words.part.goal", "goal"),
    N_("words.part.person", "your sharing choices and restrictions"),
    N_("words.action.read", "read"),
    N_("words.action.list", "listed"),
    N_("words.action.notify", "message sent"),
    N_("words.action.deliver", "passed to a connected system"),
    N_("words.action.deliver-content", "content passed to a connected system"),
    N_("words.action.destroy", "destroyed"),
    N_("words.action.erase", "erased"),
    N_("words.action.export", "exported"),
    N_("words.action.report", "counted for a report"),
    N_("words.action.conversation.requested", "conversation requested"),
    N_("words.action.conversation.scheduled", "conversation scheduled"),
    N_("words.action.conversation.rescheduled", "conversation rescheduled"),
    N_("words.action.preparation.saved", "preparation saved"),
    N_("words.action.preparation.published", "preparation shared"),
    N_("words.action.topic.raised", "topic raised"),
    N_("words.action.conversation.held", "conversation held"),
    N_("words.action.conversation.not_held", "conversation not held"),
    N_("words.action.conversation.cancelled", "conversation cancelled"),
    N_("words.action.record.drafted", "record written"),
    N_("words.action.record.confirmed", "record confirmed"),
    N_("words.action.conversation.agreed", "record agreed by everyone"),
    N_("words.action.dissent.added", "note of disagreement added"),
    N_("words.action.note.private_added", "private note written"),
    N_("words.action.response.added", "response added"),
    N_("words.action.agreement.updated", "agreement updated"),
    N_("words.action.goal.set", "goal set"),
    N_("words.action.goal.progress_noted", "goal progress noted"),
    N_("words.action.goal.linked", "goal linked"),
    N_("words.action.goal.closed", "goal closed"),
    N_("words.action.sharing.granted", "sharing choice made"),
    N_("words.action.sharing.revoked", "sharing choice withdrawn"),
    N_("words.action.privacy.restricted", "processing restricted"),
    N_("words.action.privacy.restriction_lifted", "restriction lifted"),
    N_("words.action.person.erased", "sharing choices and restrictions ended by erasure"),
    N_("words.change", "change {n}"),
    N_("statistics.staff", "{name} (own staff)"),
    N_("statistics.no_team", "No team"),
    N_("measurement.title", "Team measurement: {title}"),
    N_(
        "measurement.intro",
        "These are the results of the team measurement of team {unit}. They are about the team,"
        " not about one person. Answers are anonymous. A number below {k} is not shown: it is "
        "counted with 'other answers or no answer', or nothing is shown.",
    ),
    N_("measurement.caption", "Number of answers per statement, per measurement"),
    N_("measurement.statement", "Statement"),
    N_("measurement.respondents", "{n} people took part"),
    N_("measurement.suppressed", "Not shown: fewer than {k} people took part"),
    N_("measurement.hidden", "Not shown: too few answers"),
    N_("measurement.rest", "Other answers or no answer"),
    N_(
        "measurement.figure",
        "Bar chart of the answers per measurement. The numbers are in the table.",
    ),
    N_(
        "measurement.figcaption",
        "Share of the answers per statement, per measurement (in percent).",
    ),
    N_("measurement.plot_title", "Answers per measurement"),
    N_("measurement.share", "Share of the answers (percent)"),
    N_("measurement.not_shown", "not shown (too few answers)"),
)

#: The English texts of magcore's own data that people read in its documents.
DATA_TEXTS: tuple[str, ...] = (
    T_("Planning, holding and recording talks"),
    T_("Making the talk between employee and manager possible and remembering what was agreed."),
    T_("employees"),
    T_("who, when, which kind of talk; preparation, record, agreements"),
    T_("Keeping goals"),
    T_("Goals and the progress the employee records."),
    T_("goals and progress"),
    T_("The employee's sharing choices"),
    T_("Recording with whom the employee shares something, for what and until when."),
    T_("sharing choices, restrictions"),
    T_("Disclosure beyond the participants"),
    T_(
        "Someone else (a new manager, HR, a coach) sees only what the employee shares or what a"
        " named legal basis allows."
    ),
    T_("what is shared"),
    T_("The employee's own access"),
    T_("The employee gets everything recorded about them (AVG art. 15)."),
    T_("everything recorded"),
    T_("Participation figures"),
    T_(
        "Counting how many talks were held, never below the minimum group size, never about people."
    ),
    T_("counts, no content"),
    T_("Passing on to connected systems"),
    T_(
        "A connected system (HR, e-mail) learns that something happened; content only where the"
        " regulation names it."
    ),
    T_("events without content"),
    T_("Reminders and invitations"),
    T_("Letting participants know there is something to do."),
    T_("name, e-mail address, date"),
    T_("Keeping, restricting and destroying"),
    T_(
        "Keeping data no longer than the regulation says, and destroying it on request or after"
        " the term."
    ),
    T_("Keeping organisation data"),
    T_("Knowing who belongs to which team and who manages it."),
    T_("name, team, role, joining and leaving"),
    T_("The regulation and its approval"),
    T_("Recording which version of the regulation was approved, by whom and when."),
    T_("members of works council and executive"),
    T_("name of who approves, date"),
    T_("Operation and security"),
    T_("Keeping the system working and showing it was not tampered with."),
    T_("log lines, keys"),
    T_("2 years after employment ends"),
    T_("5 years after the conversation is completed"),
)
