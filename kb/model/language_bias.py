"""Remove the language signal from e5 vectors so that meaning, not language, decides the ranking.

multilingual-e5 places a Swedish question closer to a weak Swedish passage than to a good
English one. Parallel sentences (ours, written in both languages) differ only in language,
so the mean of their embedding differences is the direction along which the model encodes
"Swedish rather than English". Projecting it out of both passages and queries, then
re-normalising, leaves the content.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PARALLEL = (
    (
        "Projektet har genomförts tillsammans med partner i fem länder.",
        "The project was carried out together with partners in five countries.",
    ),
    (
        "Den viktigaste lärdomen är att förankra arbetet tidigt hos politiker och chefer.",
        "The most important lesson is to anchor the work early with politicians and managers.",
    ),
    (
        "Vi rekommenderar att kommuner avsätter tid för upphandlingen innan projektet startar.",
        "We recommend that municipalities set aside time for the procurement before the project starts.",
    ),
    (
        "Resultaten visar att kostnaderna blev lägre än beräknat.",
        "The results show that the costs were lower than estimated.",
    ),
    (
        "En utmaning var att samordna många organisationer med olika regelverk.",
        "One challenge was to coordinate many organisations with different rules.",
    ),
    ("Medarbetarna fick utbildning i de nya arbetssätten.", "The staff were trained in the new ways of working."),
    (
        "Projektets totala budget var två miljoner euro, varav hälften från EU.",
        "The total budget of the project was two million euro, half of it from the EU.",
    ),
    (
        "Invånarna bjöds in till möten för att lämna synpunkter på förslagen.",
        "Residents were invited to meetings to comment on the proposals.",
    ),
    (
        "Tekniken testades först i en mindre pilot innan den infördes i hela regionen.",
        "The technology was first tested in a small pilot before it was introduced in the whole region.",
    ),
    (
        "Förseningar uppstod eftersom tillstånden tog längre tid än planerat.",
        "Delays occurred because the permits took longer than planned.",
    ),
    (
        "Samarbetet mellan universitet och företag stärkte innovationsförmågan.",
        "Cooperation between universities and companies strengthened the capacity to innovate.",
    ),
    (
        "Projektledaren rapporterade regelbundet till styrgruppen.",
        "The project manager reported regularly to the steering group.",
    ),
    (
        "Erfarenheterna har spridits genom seminarier, rapporter och en webbplats.",
        "The experiences were spread through seminars, reports and a website.",
    ),
    (
        "Det behövs långsiktig finansiering för att arbetet ska fortsätta efter projektet.",
        "Long-term funding is needed for the work to continue after the project.",
    ),
    (
        "Utvärderingen visar att målgruppen var nöjd med insatserna.",
        "The evaluation shows that the target group was satisfied with the activities.",
    ),
    (
        "Miljöpåverkan minskade genom effektivare energianvändning.",
        "The environmental impact was reduced through more efficient use of energy.",
    ),
    (
        "Skolor och ungdomar deltog i flera av aktiviteterna.",
        "Schools and young people took part in several of the activities.",
    ),
    (
        "Vilka erfarenheter finns från liknande projekt i andra länder?",
        "What experience is there from similar projects in other countries?",
    ),
    ("Hur kan vi undvika att samma misstag görs igen?", "How can we avoid making the same mistakes again?"),
    ("Vem kan vi kontakta för att få veta mer om resultaten?", "Whom can we contact to learn more about the results?"),
)


class LanguageBias:
    """A unit direction to project out of every vector (queries and passages alike)."""

    def __init__(self, direction: np.ndarray):
        self.direction = (direction / np.linalg.norm(direction)).astype(np.float32)

    @classmethod
    def estimate(
        cls, embed_passages: Callable[[list[str]], np.ndarray], embed_queries: Callable[[list[str]], np.ndarray]
    ) -> LanguageBias:
        swedish = [sv for sv, _ in PARALLEL]
        english = [en for _, en in PARALLEL]
        diff = (embed_passages(swedish) - embed_passages(english)).mean(axis=0)
        diff += (embed_queries(swedish) - embed_queries(english)).mean(axis=0)
        return cls(diff)

    def remove(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        projected = vectors - np.outer(vectors @ self.direction, self.direction)
        return projected / np.linalg.norm(projected, axis=1, keepdims=True)
