from sdsf.core.french import of


def test_de_is_elided_and_contracted_before_place_names():
    assert of("Aubervilliers") == "d'Aubervilliers"
    assert of("Épinay-sur-Seine") == "d'Épinay-sur-Seine"
    assert of("Bobigny") == "de Bobigny"
    assert of("Le Blanc-Mesnil") == "du Blanc-Mesnil"
    assert of("Les Lilas") == "des Lilas"
    assert of("La Courneuve") == "de La Courneuve"
    assert of("L'Île-Saint-Denis") == "de L'Île-Saint-Denis"
    assert of("Hautes-Alpes") == "de Hautes-Alpes"
