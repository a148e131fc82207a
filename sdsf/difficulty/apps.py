from django.apps import AppConfig


class DifficultyConfig(AppConfig):
    name = "sdsf.difficulty"
    label = "difficulty"
    verbose_name = "Structures en difficulté"
