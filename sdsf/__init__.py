"""SDSF: the information system of a département's schéma des services aux familles."""
