"""Xiezuo (协作): the East–West poverty-alleviation cooperation platform."""
